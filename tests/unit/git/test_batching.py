"""Push batching: every interval, or as soon as max_commits changes wait."""

from __future__ import annotations

from datetime import timedelta

import pytest

from activities.git import BatchPolicy

POLICY = BatchPolicy(interval=timedelta(seconds=30), max_commits=3)


def test_nothing_pending_is_never_due() -> None:
    assert not POLICY.is_due(0, None, now=1000.0)


def test_due_once_max_commits_are_waiting() -> None:
    assert not POLICY.is_due(2, 100.0, now=101.0)
    assert POLICY.is_due(3, 100.0, now=101.0)


def test_due_when_the_oldest_change_waited_the_interval() -> None:
    assert not POLICY.is_due(1, 100.0, now=129.9)
    assert POLICY.is_due(1, 100.0, now=130.0)


def test_deadline_follows_the_oldest_pending_change() -> None:
    assert POLICY.due_at(100.0) == 130.0
    assert POLICY.due_at(None) is None


def test_max_commits_below_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_commits"):
        BatchPolicy(max_commits=0)
