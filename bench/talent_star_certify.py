"""Benchmark: certify a star tree of a whole district and print time and query counts.

    python bench/talent_star_certify.py [households]   (default 12000, the seed's 12万户 / 10)

Runs against DATABASE_URL (a throwaway SQLite file by default), migrating it first.
"""

import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/kaohe-bench-star.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from talent.models import StarLevel, StarNode, StarTree  # noqa: E402
from talent.services.star import star_tree_certify  # noqa: E402


def build(households: int) -> StarTree:
    rng = random.Random(1)
    tree = StarTree.objects.create(name="bench", year=2026)
    per_member, per_branch, per_committee = 12, 12, 10
    members = households // per_member
    branches = max(1, members // per_branch)
    committees = max(1, branches // per_committee)
    level_nodes = StarNode.objects.bulk_create(
        StarNode(tree=tree, code=f"C{c}", name="c", level=StarLevel.COMMITTEE, stars=10)
        for c in range(committees)
    )
    for level, count in [
        (StarLevel.BRANCH, branches),
        (StarLevel.MEMBER, members),
        (StarLevel.HOUSEHOLD, households),
    ]:
        level_nodes = StarNode.objects.bulk_create(
            (
                StarNode(
                    tree=tree,
                    code=f"{level[0]}{n}",
                    name="n",
                    level=level,
                    parent=level_nodes[n % len(level_nodes)],
                    stars=10 if rng.random() < 0.93 else 8,
                )
                for n in range(count)
            ),
            batch_size=2000,
        )
    return tree


def main():
    households = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
    call_command("migrate", verbosity=0)
    StarTree.objects.all().delete()
    tree = build(households)
    nodes = StarNode.objects.filter(tree=tree).count()
    for label in ("first pass (every node written)", "second pass (nothing changed)"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            counts = star_tree_certify(tree=tree)
            elapsed = time.perf_counter() - started
        print(
            f"{connection.vendor}: {nodes} nodes, {label}: {elapsed:.2f} s, "
            f"{len(queries.captured_queries)} queries, ten-star {counts}"
        )


if __name__ == "__main__":
    main()
