"""Every watch of one ``Cluster``, read by one thread running an event loop.

A watch is an HTTP response that stays open for minutes and sends a line per event; a
thread per watch would mean a thread per target per resource type (500 targets
watching three kinds: 1,500 threads, each with its own stack, parked in a socket read).
Here each watch is a task on one loop, whatever the number of watches, and whoever
asked for it (a stream on the worker's loop, a bridge thread) gets its events through
a ``WatchSink`` called on that loop.

Each watch still is its own API watch, from its own resourceVersion: a target resumes
from the positions it pushed, so two targets watching the same kind rarely stand at
the same place, and the API server's watch cache serves many watchers of one kind
cheaply. A ``Room`` bounds what a reader holds: a watch that finds no room stops
reading, the buffers for it fill and the API server closes it; it is re-opened from the
last event handed over, like a watch the server ended on its timeout.

A quiet watch cannot tell an idle server from a gone one (a draining kube-apiserver
holds its open watches for a minute, a lost network forever), so while watches are open
a probe asks ``/livez`` every couple of seconds; when it gets no answer twice in a row,
every open watch fails naming that cause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import threading
import time
from asyncio import sslproto
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from typing import Any, Protocol

import aiohttp

from activities.kube_types import (
    GONE,
    ApiResource,
    ClusterError,
    WatchEvent,
    WatchExpired,
    failure,
    parse_watch_line,
)

__all__ = ["LineBuffer", "Room", "Subscription", "WatchEngine", "WatchSink", "stop_all"]

_log = logging.getLogger(__name__)
_WATCH_SECONDS = (240, 300)
"""The server ends each watch after this long (jittered); it is then re-opened."""
_WATCH_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=10.0)
"""Watches read without a timeout: the server's timeoutSeconds or the probe ends them."""
_PROBE_TIMEOUT = aiohttp.ClientTimeout(total=2.0)
_PROBE_FAILURES = 2
_STOP_TIMEOUT = 5.0
_TLS_READ_BUFFER = 16 * 1024


class WatchSink(Protocol):
    """Where a watch's news goes. Called on the engine's loop: must return at once (hand
    over to another loop or a thread-safe queue)."""

    def opened(self) -> None:
        """The API server accepted the watch (once, not on each re-open)."""

    def event(self, event: WatchEvent) -> None: ...

    def ended(self, error: Exception) -> None:
        """The watch ended by itself: ``WatchExpired`` (410) or ``ClusterError``. Not
        called when the subscriber stopped it."""


class Room:
    """How many events the readers of some watches may hold; thread-safe ``taken``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, held: int) -> None:
        self._loop = loop
        self._free = asyncio.Semaphore(held)

    def taken(self) -> None:
        """One event handed over was consumed: room for one more."""
        self._loop.call_soon_threadsafe(self._free.release)

    async def wait(self) -> None:
        await self._free.acquire()


class Subscription:
    """One watch's task on the engine's loop. It has ended once its task is done (set by
    the task's done callback, which runs after its last step): no sink call follows."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, watched: str, follow: Coroutine[Any, Any, None]
    ) -> None:
        self.watched = watched
        """What is watched (resource and namespace), for the log."""
        self._loop = loop
        self._ended = threading.Event()
        self._task: asyncio.Task[None] | None = None
        loop.call_soon_threadsafe(self._start, follow)

    def stop(self) -> None:
        """Cancel the watch and wait until it ended: no news reaches the sink after."""
        stop_all([self])

    def _start(self, follow: Coroutine[Any, Any, None]) -> None:
        """On the loop. Held here: the loop keeps only a weak reference to its tasks."""
        self._task = self._loop.create_task(follow)
        self._task.add_done_callback(lambda _: self._ended.set())

    def _cancel(self) -> bool:
        """Ask the watch to end; ``False`` when it already has. Queued on the loop after
        ``_start`` (one queue, in order), so the task exists by then."""
        if self._ended.is_set():
            return False
        self._loop.call_soon_threadsafe(lambda: self._task is not None and self._task.cancel())
        return True

    def _ended_by(self, deadline: float) -> bool:
        return self._ended.wait(max(deadline - time.monotonic(), 0.0))


def stop_all(subscriptions: Iterable[Subscription]) -> None:
    """Cancel every watch at once, then wait until each ended: no news reaches their sinks
    after. A watch that does not end within ``_STOP_TIMEOUT`` is logged, since its sink may
    then still be called."""
    running = [s for s in subscriptions if s._cancel()]
    deadline = time.monotonic() + _STOP_TIMEOUT
    for subscription in running:
        if not subscription._ended_by(deadline):
            _log.warning(
                "watch of %s did not stop within %g s", subscription.watched, _STOP_TIMEOUT
            )


class WatchEngine:
    def __init__(
        self,
        host: str,
        tls: ssl.SSLContext | None,
        authorization: Callable[[], str | None],
        probe_every: float,
    ) -> None:
        self._host = host.rstrip("/")
        self._tls = tls
        self._authorization = authorization
        self._probe_every = probe_every
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._session: aiohttp.ClientSession | None = None
        self._prober: asyncio.Task[None] | None = None
        self._open: set[aiohttp.ClientResponse] = set()
        self._unanswered: str | None = None
        """Why the probe takes the API server for gone; ``None`` while it answers."""

    def room(self, held: int) -> Room:
        return Room(self._running(), held)

    def watch(
        self,
        resource: ApiResource,
        namespace: str | None,
        resource_version: str | None,
        sink: WatchSink,
        room: Room | None = None,
    ) -> Subscription:
        """Follow ``resource`` (in ``namespace``, or all) after ``resource_version``;
        re-opened whenever the server ends it, until stopped or it fails."""
        loop = self._running()
        follow = self._follow(resource, namespace, resource_version, sink, room)
        return Subscription(loop, resource.path(namespace), follow)

    # --- the loop ---

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                threading.Thread(
                    target=self._run, args=(loop, ready), name="watches", daemon=True
                ).start()
                ready.wait()
                self._loop = loop
            return self._loop

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        # asyncio's TLS transport gives each connection a 256 KiB read buffer, zeroed
        # at once: 1,500 watches held 470 MiB of them. A TLS record carries at most
        # 16 KiB, so a buffer of that size reads as fast. This is the one asyncio TLS
        # user of the process (Temporal's client has its own).
        sslproto.SSLProtocol.max_size = _TLS_READ_BUFFER
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._start())
        ready.set()
        loop.run_forever()

    async def _start(self) -> None:
        connector = aiohttp.TCPConnector(limit=0, ssl=self._tls if self._tls else False)
        self._session = aiohttp.ClientSession(connector=connector, timeout=_WATCH_TIMEOUT)
        # Held: the loop keeps only a weak reference to its tasks.
        self._prober = asyncio.get_running_loop().create_task(self._probe())

    async def _follow(
        self,
        resource: ApiResource,
        namespace: str | None,
        version: str | None,
        sink: WatchSink,
        room: Room | None,
    ) -> None:
        path = resource.path(namespace)
        opened = False
        try:
            while True:
                async with self._opened(path, version) as response:
                    if not opened:
                        sink.opened()
                        opened = True
                    async for event in _events(response):
                        version = event.resource_version or version
                        if room is not None:
                            await room.wait()
                        sink.event(event)
        except (WatchExpired, ClusterError) as error:
            sink.ended(error)
        except (aiohttp.ClientError, OSError, ValueError) as error:
            cause = self._unanswered or f"watch of {path} broke: {type(error).__name__}"
            sink.ended(ClusterError(cause))
        except Exception as error:  # noqa: BLE001 - a bug must end the watch, not stall its reader
            _log.exception("watch of %s failed", path)
            sink.ended(ClusterError(f"watch of {path} failed: {type(error).__name__}"))

    @contextlib.asynccontextmanager
    async def _opened(self, path: str, version: str | None) -> AsyncIterator[Any]:
        query = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(random.randint(*_WATCH_SECONDS)),  # noqa: S311 - jitter
        }
        if version:
            query["resourceVersion"] = version
        response = await self._get(path, query)
        try:
            if response.status == GONE:
                raise WatchExpired(f"{path} at resourceVersion {version}")
            if response.status >= 300:
                raise failure("GET", path, response.status, str(response.reason))
            self._open.add(response)
            yield response
        finally:
            self._open.discard(response)
            response.close()

    async def _get(
        self, path: str, query: dict[str, str], timeout: aiohttp.ClientTimeout = _WATCH_TIMEOUT
    ) -> aiohttp.ClientResponse:
        assert self._session is not None
        headers = {"Accept": "application/json"}
        if authorization := self._authorization():
            headers["Authorization"] = authorization
        try:
            return await self._session.get(
                self._host + path, params=query, headers=headers, timeout=timeout
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise ClusterError(f"GET {path}: {type(error).__name__}") from None

    async def _probe(self) -> None:
        """While watches are open, ask the API server whether it answers; after
        ``_PROBE_FAILURES`` silent probes in a row, close every open watch (each then
        fails with the cause in ``_unanswered``)."""
        failures, took = 0, 0.0
        while True:
            # Probes start every ``probe_every``: one that waited out its timeout is
            # followed at once, so a hanging server is found within one interval and
            # two timeouts of the moment it hung.
            await asyncio.sleep(max(self._probe_every - took, 0.0))
            started = time.monotonic()
            cause = await self._silence() if self._open else None
            took = time.monotonic() - started
            failures = failures + 1 if cause else 0
            if failures < _PROBE_FAILURES:
                self._unanswered = None
                continue
            self._unanswered = f"the API server does not answer: {cause}"
            _log.warning("closing %d watches: %s", len(self._open), self._unanswered)
            for response in list(self._open):
                response.close()

    async def _silence(self) -> str | None:
        """Why ``/livez`` got no usable answer; ``None`` when it got one. A refusal (401,
        403: a hardened RBAC may refuse the path) still says the server is there; a 5xx
        says it is not live (its etcd check failed, or timed out first)."""
        try:
            response = await self._get("/livez", {}, timeout=_PROBE_TIMEOUT)
        except ClusterError as error:
            return str(error)
        response.release()
        if response.status >= 500:
            return f"GET /livez: HTTP {response.status}"
        return None


async def _events(response: aiohttp.ClientResponse) -> AsyncIterator[WatchEvent]:
    """The response's lines as events. Read in chunks, not with the stream's line reader:
    one object's line can be larger than its line limit (a ConfigMap holds up to 1 MiB)."""
    lines = LineBuffer()
    async for chunk in response.content.iter_any():
        for line in lines.feed(chunk):
            if (event := parse_watch_line(line)) is not None:
                yield event
    if (last := lines.rest()) and (event := parse_watch_line(last)) is not None:
        yield event


class LineBuffer:
    """Chunks in, complete non-blank lines out. A line that spans many chunks is split
    once, when its end arrives."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> list[bytearray]:
        self._pending += chunk
        if b"\n" not in chunk:
            return []
        *complete, rest = self._pending.split(b"\n")
        self._pending = rest
        return [line for line in complete if line.strip()]

    def rest(self) -> bytearray | None:
        """What followed the last line end, when the response ended without one."""
        return self._pending if self._pending.strip() else None


def tls_context(configuration: Any) -> ssl.SSLContext | None:
    """The TLS the Kubernetes client's configuration asks for; ``None`` for plain HTTP."""
    if not str(configuration.host).startswith("https"):
        return None
    context = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    if configuration.cert_file:
        context.load_cert_chain(configuration.cert_file, configuration.key_file)
    if not configuration.verify_ssl:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
