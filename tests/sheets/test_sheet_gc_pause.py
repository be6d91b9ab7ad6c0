import gc

from scoring.services import sheets
from scoring.services.sheets import sheet_import_commit, sheet_import_start


def test_a_sheet_is_checked_and_written_with_the_collector_paused(
    district, scorer, xlsx, monkeypatch, collector_on
):
    seen = []
    for step in ("sheet_changes_plan", "_values_write"):
        original = getattr(sheets, step)

        def spy(*args, original=original, **kwargs):
            seen.append(gc.isenabled())
            return original(*args, **kwargs)

        monkeypatch.setattr(sheets, step, spy)
    upload = xlsx([["unit", "GDP"], ["ZJ01", 18]], name="q1.xlsx")
    record = sheet_import_start(cycle=district["cycle"], user=scorer, period="Q1", upload=upload)
    assert sheet_import_commit(record=record, by=scorer) == 1
    assert seen == [False, False]
    assert gc.isenabled()
