import gc

import pytest

from scoring.services.gc_pause import gc_paused


def test_the_collector_is_paused_in_the_block_and_resumes_after_it(collector_on):
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_resumes_after_the_outer_block_only(collector_on):
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_resumes_after_an_error_in_the_block(collector_on):
    with pytest.raises(ValueError), gc_paused():
        raise ValueError
    assert gc.isenabled()


def test_a_collector_off_before_the_block_stays_off(collector_on):
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
