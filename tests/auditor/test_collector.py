"""The collector during a batch job: what existed before it is frozen, young collections are rarer, and only the
outermost of nested jobs restores the interpreter's settings."""

from __future__ import annotations

import gc

import pytest

from auditor.collector import YOUNG_GENERATION, batch_job


def test_a_batch_job_freezes_what_existed_and_restores_the_collector_after():
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    with batch_job():
        assert gc.get_freeze_count() > frozen_before
        assert gc.get_threshold()[0] == max(before[0], YOUNG_GENERATION)
        with batch_job():  # a report written inside an audit, or a second thread's run
            pass
        assert gc.get_threshold()[0] == max(before[0], YOUNG_GENERATION)  # the inner one did not restore
        assert gc.get_freeze_count() > frozen_before
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_failing_batch_job_restores_the_collector_too():
    before = gc.get_threshold()

    @batch_job()
    def fails() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_garbage_in_cycles_made_during_a_job_is_still_collected():
    class Node:
        other: object

    with batch_job():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
