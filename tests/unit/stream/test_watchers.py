"""Watch threads hand the stream at most ``held`` events it has not taken yet."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from activities.kube import ApiResource, WatchEvent
from activities.stream.watchers import Opened, Seen, Signal, Watchers
from activities.watches import Watch
from workflows.plan import SelectedResource

CONFIGMAPS = Watch(
    SelectedResource(
        group="", version="v1", resource="configmaps", kind="ConfigMap", namespaced=True
    ),
    "team-a",
)


class EndlessWatch:
    """A watch source with as many events as anyone reads (a busy namespace)."""

    def __init__(self) -> None:
        self.read = 0

    def watch_objects(
        self,
        resource: ApiResource,
        namespace: str | None,
        resource_version: str | None,
        stop: threading.Event,
        *,
        on_open: Callable[[], None] | None = None,
    ) -> Iterator[WatchEvent]:
        if on_open is not None:
            on_open()
        while not stop.is_set():
            self.read += 1
            yield WatchEvent("MODIFIED", {"metadata": {"name": "cm"}}, str(self.read))


class Inbox:
    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self._lock = threading.Lock()

    def deliver(self, signal: Signal) -> None:
        with self._lock:
            self.signals.append(signal)

    def seen(self) -> int:
        with self._lock:
            return sum(isinstance(s, Seen) for s in self.signals)


def _settled(count: Callable[[], int], *, within: float = 3.0) -> int:
    """``count`` once it stopped growing for a while (or as it is after ``within`` s)."""
    deadline = time.monotonic() + within
    last = -1
    while (now := count()) != last and time.monotonic() < deadline:
        last = now
        time.sleep(0.2)
    return now


def test_a_stream_that_takes_nothing_is_handed_no_more_than_held_events() -> None:
    source, inbox = EndlessWatch(), Inbox()
    watchers = Watchers(source, [(CONFIGMAPS, None)], inbox.deliver, held=5)
    watchers.start()
    try:
        assert _settled(inbox.seen) == 5
        assert source.read <= 6  # the event waiting for room is read, not handed over
    finally:
        watchers.stop()


def test_each_event_taken_makes_room_for_one_more() -> None:
    source, inbox = EndlessWatch(), Inbox()
    watchers = Watchers(source, [(CONFIGMAPS, None)], inbox.deliver, held=5)
    watchers.start()
    try:
        _settled(inbox.seen)
        for _ in range(3):
            watchers.taken()
        assert _settled(inbox.seen) == 8
    finally:
        watchers.stop()


def test_a_watch_waiting_for_room_stops_when_asked() -> None:
    source, inbox = EndlessWatch(), Inbox()
    watchers = Watchers(source, [(CONFIGMAPS, None)], inbox.deliver, held=1)
    watchers.start()
    _settled(inbox.seen)
    started = time.monotonic()

    watchers.stop()

    assert time.monotonic() - started < 2
    assert isinstance(inbox.signals[0], Opened)
