"""One thread per watch, handing its events to the stream's event loop.

Each thread follows ``Cluster.watch_objects`` from its start position and puts what
happens on the stream's queue: an event, ``Opened`` once the watch is established,
``Expired`` when the API server no longer has the history (410), ``Broken`` when the
watch failed otherwise. ``stop`` ends every thread within about a second.

Memory stays bounded: at most ``held`` events are handed over and not yet ``taken`` by
the stream. When the stream falls behind (a push that takes long), the threads stop
reading, the API server's buffer for the watch fills, and the server ends the watch:
the attempt then fails and the next one resumes from the pushed positions, or re-lists
if that history is gone. Nothing piles up in the worker.

Moves data only; the stream decides what to do with it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from activities.kube import ApiResource, WatchEvent, WatchExpired
from activities.watches import Watch

__all__ = [
    "HELD_EVENTS",
    "Broken",
    "Expired",
    "Opened",
    "Seen",
    "Signal",
    "WatchSource",
    "Watchers",
]

HELD_EVENTS = 10_000
"""Events read from the API server that a stream may hold before its watches pause."""
_STOP_CHECK = 0.5
"""How often a watch thread waiting for room looks whether it should stop."""


class WatchSource(Protocol):
    """What the threads follow: ``Cluster.watch_objects``."""

    def watch_objects(
        self,
        resource: ApiResource,
        namespace: str | None,
        resource_version: str | None,
        stop: threading.Event,
        *,
        on_open: Callable[[], None] | None = None,
    ) -> Iterator[WatchEvent]: ...


@dataclass(frozen=True)
class Seen:
    watch: Watch
    event: WatchEvent
    received_at: float = field(default_factory=time.monotonic)
    """When the watch thread read it (the start of its event-to-push latency)."""


@dataclass(frozen=True)
class Opened:
    watch: Watch


@dataclass(frozen=True)
class Expired:
    watch: Watch


@dataclass(frozen=True)
class Broken:
    watch: Watch
    error: Exception


Signal = Seen | Opened | Expired | Broken


class Watchers:
    def __init__(
        self,
        cluster: WatchSource,
        watches: Iterable[tuple[Watch, str | None]],
        deliver: Callable[[Signal], None],
        *,
        held: int = HELD_EVENTS,
    ) -> None:
        self._cluster = cluster
        self._deliver = deliver
        self._room = threading.Semaphore(held)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._follow, args=(watch, start), name=f"watch {watch.key}", daemon=True
            )
            for watch, start in watches
        ]

    @classmethod
    def on_loop(
        cls,
        cluster: WatchSource,
        watches: Iterable[tuple[Watch, str | None]],
        queue: asyncio.Queue[Signal],
    ) -> Watchers:
        loop = asyncio.get_running_loop()

        def deliver(item: Signal) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        return cls(cluster, watches, deliver)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def taken(self) -> None:
        """The stream took an event (``Seen``) off its queue: room for one more."""
        self._room.release()

    def stop(self) -> None:
        """Stop every watch and wait for its thread to end."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _follow(self, watch: Watch, start: str | None) -> None:
        try:
            events = self._cluster.watch_objects(
                watch.resource,
                watch.namespace,
                start,
                self._stop,
                on_open=lambda: self._deliver(Opened(watch)),
            )
            for event in events:
                if not self._wait_for_room():
                    return
                self._deliver(Seen(watch, event))
        except WatchExpired:
            self._deliver(Expired(watch))
        except Exception as error:  # noqa: BLE001 - handed to the stream, which reports it
            if not self._stop.is_set():
                self._deliver(Broken(watch, error))

    def _wait_for_room(self) -> bool:
        """Block until the stream may hold one more event; ``False`` when stopped."""
        while not self._room.acquire(timeout=_STOP_CHECK):
            if self._stop.is_set():
                return False
        return True
