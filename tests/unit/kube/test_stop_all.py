"""Stopping watches: every one is cancelled before any is waited for, and one that does
not end in time is named in the log instead of passing silently."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

import pytest

from activities import kube_watch
from activities.kube_watch import Subscription, stop_all


class _Loop:
    """Runs what the engine's loop would be asked to run, at once."""

    def call_soon_threadsafe(self, callback: Any, *args: Any) -> None:
        callback(*args)


def _subscription(watched: str, *, stuck: bool = False) -> Subscription:
    task: Future[None] = Future()
    if stuck:
        task.set_running_or_notify_cancel()  # a running future ignores cancel()
    return Subscription(task, _Loop(), watched)  # type: ignore[arg-type]


def test_every_watch_is_cancelled() -> None:
    subscriptions = [_subscription(f"/api/v1/namespaces/n{i}/configmaps") for i in range(3)]
    stop_all(subscriptions)
    assert all(s._task.cancelled() for s in subscriptions)


def test_a_watch_that_does_not_end_in_time_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(kube_watch, "_STOP_TIMEOUT", 0.05)
    stuck = _subscription("/api/v1/namespaces/slow/configmaps", stuck=True)
    with caplog.at_level(logging.WARNING, logger=kube_watch.__name__):
        stop_all([_subscription("/api/v1/namespaces/quick/configmaps"), stuck])
    assert [r.getMessage() for r in caplog.records] == [
        "watch of /api/v1/namespaces/slow/configmaps did not stop within 0.1 s"
    ]


def test_stopping_an_ended_watch_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    ended = _subscription("/api/v1/configmaps")
    ended._task.set_result(None)
    with caplog.at_level(logging.WARNING, logger=kube_watch.__name__):
        ended.stop()
    assert caplog.records == []
