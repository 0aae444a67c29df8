"""The collector during an audit: young collections are rarer, and only the outermost of nested or concurrent
audits restores the interpreter's settings."""

from __future__ import annotations

import gc

import pytest

from auditor.collector import YOUNG_GENERATION, batch_job


def test_an_audit_collects_young_garbage_less_often_and_restores_the_collector_after():
    before = gc.get_threshold()
    with batch_job():
        assert gc.get_threshold() == (max(before[0], YOUNG_GENERATION), before[1], before[2])
        with batch_job():  # a second thread's audit
            pass
        assert gc.get_threshold()[0] == max(before[0], YOUNG_GENERATION)  # the inner one did not restore
    assert gc.get_threshold() == before


def test_a_failing_audit_restores_the_collector_too():
    before = gc.get_threshold()

    @batch_job()
    def fails() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert gc.get_threshold() == before


def test_garbage_in_cycles_made_during_an_audit_is_still_collected():
    class Node:
        other: object

    with batch_job():
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
