"""The CPU time of this process's PostgreSQL server process, for the benchmarks."""

import os
from collections.abc import Callable
from pathlib import Path


def server_cpu_clock(connection) -> Callable[[], float]:
    """Return a function reading the CPU seconds the server process of `connection` has used:
    on a shared machine wall time mostly measures the neighbours, CPU time the work."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    ticks = os.sysconf("SC_CLK_TCK")

    def server_cpu() -> float:
        # Fields 14 and 15 of /proc/PID/stat (after the command in parentheses): user, system.
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return server_cpu
