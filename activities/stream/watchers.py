"""A stream's watches, their news handed to the stream's event loop.

Each watch is a subscription on the cluster's watch engine (one thread and event loop
for every watch of the worker, see ``activities/kube_watch``), followed from its start
position; what happens goes on the stream's queue: an event, ``Opened`` once the watch
is established, ``Expired`` when the API server no longer has the history (410),
``Broken`` when the watch failed otherwise.

Memory stays bounded: at most ``held`` events are handed over and not yet ``taken`` by
the stream. When the stream falls behind (a push that takes long), its watches stop
reading, the socket buffers and the API server's buffer for each fill, and the server
closes it. The engine re-opens it from the last event it handed over, or, when the API
server no longer has that history (410), the stream ends with ``Expired`` and the workflow
re-lists. Nothing piles up in the worker.

Moves data only; the stream decides what to do with it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from activities.kube import WatchEvent, WatchExpired
from activities.kube_watch import Subscription, WatchEngine, stop_all
from activities.watches import Watch

__all__ = [
    "HELD_EVENTS",
    "Broken",
    "Expired",
    "Opened",
    "Seen",
    "Signal",
    "Watchers",
]

HELD_EVENTS = 10_000
"""Events read from the API server that a stream may hold before its watches pause."""


@dataclass(frozen=True)
class Seen:
    watch: Watch
    event: WatchEvent
    received_at: float = field(default_factory=time.monotonic)
    """When the watch engine read it (the start of its event-to-push latency)."""


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


@dataclass(frozen=True)
class _Relay:
    """One watch's news as signals, delivered from the engine's thread."""

    watch: Watch
    deliver: Callable[[Signal], None]

    def opened(self) -> None:
        self.deliver(Opened(self.watch))

    def event(self, event: WatchEvent) -> None:
        self.deliver(Seen(self.watch, event))

    def ended(self, error: Exception) -> None:
        expired = isinstance(error, WatchExpired)
        self.deliver(Expired(self.watch) if expired else Broken(self.watch, error))


class Watchers:
    def __init__(
        self,
        source: WatchEngine,
        watches: Iterable[tuple[Watch, str | None]],
        deliver: Callable[[Signal], None],
        *,
        held: int = HELD_EVENTS,
    ) -> None:
        self._source = source
        self._watches = list(watches)
        self._deliver = deliver
        self._room = source.room(held)
        self._subscriptions: list[Subscription] = []

    @classmethod
    def on_loop(
        cls,
        source: WatchEngine,
        watches: Iterable[tuple[Watch, str | None]],
        queue: asyncio.Queue[Signal],
    ) -> Watchers:
        loop = asyncio.get_running_loop()

        def deliver(item: Signal) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        return cls(source, watches, deliver)

    def start(self) -> None:
        self._subscriptions = [
            self._source.watch(
                watch.resource, watch.namespace, start, _Relay(watch, self._deliver), self._room
            )
            for watch, start in self._watches
        ]

    def taken(self) -> None:
        """The stream took an event (``Seen``) off its queue: room for one more."""
        self._room.taken()

    def stop(self) -> None:
        """Stop every watch and wait until it ended: nothing is delivered after."""
        stop_all(self._subscriptions)
