"""One thread per watch, handing its events to the stream's event loop.

Each thread follows ``Cluster.watch_objects`` from its start position and puts what
happens on the stream's queue: an event, ``Opened`` once the watch is established,
``Expired`` when the API server no longer has the history (410), ``Broken`` when the
watch failed otherwise. ``stop`` ends every thread within about a second.

Moves data only; the stream decides what to do with it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from activities.kube import Cluster, WatchEvent, WatchExpired
from activities.watches import Watch

__all__ = ["Broken", "Expired", "Opened", "Seen", "Signal", "Watchers"]


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
        cluster: Cluster,
        watches: Iterable[tuple[Watch, str | None]],
        deliver: Callable[[Signal], None],
    ) -> None:
        self._cluster = cluster
        self._deliver = deliver
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
        cluster: Cluster,
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
                self._deliver(Seen(watch, event))
        except WatchExpired:
            self._deliver(Expired(watch))
        except Exception as error:  # noqa: BLE001 - handed to the stream, which reports it
            if not self._stop.is_set():
                self._deliver(Broken(watch, error))
