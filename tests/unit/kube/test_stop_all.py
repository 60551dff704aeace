"""Stopping watches: every one is cancelled before any is waited for, stopping returns
only once each watch's task has ended, and one that does not end in time is named in
the log instead of passing silently. Runs the watches' tasks on a real event loop in a
thread, as the watch engine does."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest

from activities import kube_watch
from activities.kube_watch import Subscription, stop_all


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    running = asyncio.new_event_loop()
    thread = threading.Thread(target=running.run_forever, daemon=True)
    thread.start()
    yield running
    asyncio.run_coroutine_threadsafe(_drained(), running).result(timeout=5)
    running.call_soon_threadsafe(running.stop)
    thread.join(timeout=5)
    running.close()


async def _drained() -> None:
    """Every other task on the loop ended (a watch still unwinding after a test)."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.gather(*others, return_exceptions=True)


async def _slow_to_unwind(
    name: str, log: list[str], unwind: float, running: threading.Event
) -> None:
    """A watch that, once cancelled, takes ``unwind`` seconds to end."""
    running.set()
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        log.append(f"cancelled {name}")
        await asyncio.sleep(unwind)
        log.append(f"ended {name}")
        raise


def _started(
    loop: asyncio.AbstractEventLoop, name: str, log: list[str], unwind: float
) -> Subscription:
    """A subscription whose watch is running (waiting for news)."""
    running = threading.Event()
    subscription = Subscription(loop, name, _slow_to_unwind(name, log, unwind, running))
    assert running.wait(5)
    return subscription


def test_stop_returns_only_once_the_watch_has_ended(loop: asyncio.AbstractEventLoop) -> None:
    log: list[str] = []
    subscription = _started(loop, "a", log, unwind=0.2)
    subscription.stop()
    assert log == ["cancelled a", "ended a"]


def test_every_watch_is_cancelled_before_any_is_waited_for(
    loop: asyncio.AbstractEventLoop,
) -> None:
    log: list[str] = []
    subscriptions = [_started(loop, name, log, unwind=0.2) for name in ("a", "b")]
    stop_all(subscriptions)
    assert log[:2] == ["cancelled a", "cancelled b"]
    assert sorted(log[2:]) == ["ended a", "ended b"]


def test_a_watch_that_does_not_end_in_time_is_logged(
    loop: asyncio.AbstractEventLoop,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(kube_watch, "_STOP_TIMEOUT", 0.1)
    log: list[str] = []
    quick = _started(loop, "/api/v1/namespaces/quick/configmaps", log, unwind=0.0)
    slow = _started(loop, "/api/v1/namespaces/slow/configmaps", log, unwind=2.0)
    with caplog.at_level(logging.WARNING, logger=kube_watch.__name__):
        stop_all([quick, slow])
    assert [r.getMessage() for r in caplog.records] == [
        "watch of /api/v1/namespaces/slow/configmaps did not stop within 0.1 s"
    ]


def test_a_watch_stopped_before_it_ran_has_ended(loop: asyncio.AbstractEventLoop) -> None:
    log: list[str] = []
    Subscription(loop, "a", _slow_to_unwind("a", log, 0.0, threading.Event())).stop()
    assert log == []


def test_stopping_an_ended_watch_logs_nothing(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    log: list[str] = []
    subscription = _started(loop, "a", log, unwind=0.0)
    subscription.stop()
    with caplog.at_level(logging.WARNING, logger=kube_watch.__name__):
        subscription.stop()
    assert caplog.records == []
