"""Bulk work without the pauses of Python's cyclic garbage collector."""

import gc
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_paused_blocks = 0
_resume = False


@contextmanager
def gc_paused():
    """Run the block (or the function it decorates) with the cyclic garbage collector paused;
    reference counting frees memory as ever.

    Checking a 200,000-value sheet builds about a million small containers that all live until
    the check ends (rows, keys seen, changes), and the collector, woken every 700 new ones,
    walks the growing heap again and again to find no garbage: that was a fifth of the long
    sheet's check and half of the wide sheet's (bench/import_bench.py). The block must not
    make garbage cycles in bulk. The collector resumes when the last paused block of the
    process ends, unless it was off before the first began.
    """
    global _paused_blocks, _resume
    with _lock:
        if not _paused_blocks:
            _resume = gc.isenabled()
            gc.disable()
        _paused_blocks += 1
    try:
        yield
    finally:
        with _lock:
            _paused_blocks -= 1
            if not _paused_blocks and _resume:
                gc.enable()
