"""The watch engine against the real API server: one thread reads every watch, a reader
is handed no more events than its room holds, and a watch the server drops for not
reading picks up where it stopped."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client

from activities.kube import ApiResource, Cluster, WatchEvent
from activities.stream.watchers import Opened, Seen, Signal, Watchers
from activities.watches import Watch
from workflows.plan import SelectedResource

CONFIG_MAPS = ApiResource("", "v1", "configmaps", "ConfigMap", True, ("list", "watch"))


def _watch(namespace: str) -> Watch:
    selected = SelectedResource(
        group="", version="v1", resource="configmaps", kind="ConfigMap", namespaced=True
    )
    return Watch(selected, namespace)


class Inbox:
    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self._lock = threading.Lock()

    def deliver(self, signal: Signal) -> None:
        with self._lock:
            self.signals.append(signal)

    def received(self) -> list[Signal]:
        with self._lock:
            return list(self.signals)

    def count(self, kind: type) -> int:
        with self._lock:
            return sum(isinstance(s, kind) for s in self.signals)


def _settled(count: Callable[[], int], *, within: float = 5.0, quiet: float = 0.5) -> int:
    """``count`` once it stopped growing for ``quiet`` s (or as it is after ``within`` s)."""
    deadline = time.monotonic() + within
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = count()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet and now > 0:
            return now
        time.sleep(0.05)
    return count()


def _changes(k8s: client.ApiClient, namespace: str, count: int) -> None:
    core: Any = client.CoreV1Api(k8s)
    for index in range(count):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": f"cm-{index}"}})


@pytest.fixture
def cluster(k8s: client.ApiClient) -> Cluster:
    return Cluster(k8s)


def _seen(inbox: Inbox) -> int:
    return inbox.count(Seen)


def _non_bookmarks(inbox: Inbox) -> list[WatchEvent]:
    return [s.event for s in inbox.signals if isinstance(s, Seen) and s.event.type != "BOOKMARK"]


@contextlib.contextmanager
def _twelve_changes_watched(
    cluster: Cluster, k8s: client.ApiClient, namespace: str, *, held: int
) -> Iterator[tuple[Inbox, Watchers]]:
    """A stream's watchers on ConfigMaps in ``namespace`` while 12 are created."""
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    inbox = Inbox()
    watchers = Watchers(cluster.watches, [(_watch(namespace), start)], inbox.deliver, held=held)
    watchers.start()
    try:
        _changes(k8s, namespace, 12)
        yield inbox, watchers
    finally:
        watchers.stop()


def test_a_stream_that_takes_nothing_is_handed_no_more_than_held_events(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    with _twelve_changes_watched(cluster, k8s, namespace, held=5) as (inbox, _):
        assert _settled(lambda: _seen(inbox)) == 5


def test_each_event_taken_makes_room_for_one_more(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    with _twelve_changes_watched(cluster, k8s, namespace, held=5) as (inbox, watchers):
        _settled(lambda: _seen(inbox))
        for _ in range(3):
            watchers.taken()
        assert _settled(lambda: _seen(inbox)) == 8
        assert [e.object["metadata"]["name"] for e in _non_bookmarks(inbox)] == [
            f"cm-{index}" for index in range(8)
        ]


def test_stopped_watches_deliver_nothing_more(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    inbox = Inbox()
    watchers = Watchers(cluster.watches, [(_watch(namespace), start)] * 3, inbox.deliver)
    watchers.start()
    deadline = time.monotonic() + 10
    while inbox.count(Opened) < 3:
        assert time.monotonic() < deadline, "the watches never opened"
        time.sleep(0.05)
    started = time.monotonic()
    watchers.stop()
    assert time.monotonic() - started < 2
    _changes(k8s, namespace, 3)
    time.sleep(1)
    assert _non_bookmarks(inbox) == []


def test_a_hundred_watches_are_read_by_one_thread(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    inboxes = [Inbox() for _ in range(100)]
    before = threading.active_count()
    watchers = [Watchers(cluster.watches, [(_watch(namespace), start)], i.deliver) for i in inboxes]
    for each in watchers:
        each.start()
    try:
        _changes(k8s, namespace, 1)
        deadline = time.monotonic() + 20
        while not all(_non_bookmarks(inbox) for inbox in inboxes):
            assert time.monotonic() < deadline, "not every watch saw the change"
            time.sleep(0.1)
        assert threading.active_count() - before <= 1  # the engine's, started on first use
    finally:
        for each in watchers:
            each.stop()


def test_an_object_larger_than_many_reads_arrives_whole(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    inbox = Inbox()
    watchers = Watchers(cluster.watches, [(_watch(namespace), start)], inbox.deliver)
    watchers.start()
    value = "x" * 600_000  # dozens of 16 KiB TLS reads
    try:
        core: Any = client.CoreV1Api(k8s)
        core.create_namespaced_config_map(
            namespace, {"metadata": {"name": "big"}, "data": {"v": value}}
        )
        core.create_namespaced_config_map(namespace, {"metadata": {"name": "after"}})
        deadline = time.monotonic() + 20
        while len(_non_bookmarks(inbox)) < 2:
            assert time.monotonic() < deadline, "the events did not arrive"
            time.sleep(0.05)
        big, after = _non_bookmarks(inbox)
        assert big.object["data"]["v"] == value
        assert after.object["metadata"]["name"] == "after"
    finally:
        watchers.stop()


def _terminated_watchers(k8s: client.ApiClient) -> float:
    """ConfigMap watchers the API server closed because they did not read
    (``apiserver_terminated_watchers_total``)."""
    api: Any = k8s
    token = api.configuration.get_api_key_with_prefix("BearerToken")
    response = api.call_api(
        "GET", f"{api.configuration.host}/metrics", header_params={"Authorization": token}
    )
    response.read()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in response.data.decode().splitlines()
        if line.startswith("apiserver_terminated_watchers_total")
        and 'resource="configmaps"' in line
    )


def _created_until_dropped(k8s: client.ApiClient, namespace: str, dropped_before: float) -> int:
    """Create 16 kB ConfigMaps until the API server closes a watcher for not reading (the
    socket buffers between it and the engine are full), then ten more; how many."""
    core: Any = client.CoreV1Api(k8s)
    count = 0
    while count < 3000 and (count % 50 or _terminated_watchers(k8s) == dropped_before):
        core.create_namespaced_config_map(
            namespace, {"metadata": {"name": f"cm-{count}"}, "data": {"v": "x" * 16_000}}
        )
        count += 1
    assert _terminated_watchers(k8s) > dropped_before, "the API server never dropped the watch"
    for index in range(count, count + 10):
        core.create_namespaced_config_map(namespace, {"metadata": {"name": f"cm-{index}"}})
    return count + 10


def _taking_all(inbox: Inbox, watchers: Watchers, wanted: int) -> list[Signal]:
    """Take every event handed over until ``wanted`` objects came, or something else did."""
    deadline, taken = time.monotonic() + 60, 0
    while time.monotonic() < deadline:
        signals = inbox.received()
        for _ in [s for s in signals[taken:] if isinstance(s, Seen)]:
            watchers.taken()
        taken = len(signals)
        news = [s for s in signals if not isinstance(s, Opened)]
        if len(news) >= wanted or any(not isinstance(s, Seen) for s in news):
            return signals
        time.sleep(0.05)
    return signals


def test_a_watch_the_api_server_drops_for_not_reading_resumes_where_it_stopped(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    dropped_before = _terminated_watchers(k8s)
    inbox = Inbox()
    watchers = Watchers(cluster.watches, [(_watch(namespace), start)], inbox.deliver, held=5)
    watchers.start()
    try:
        count = _created_until_dropped(k8s, namespace, dropped_before)
        signals = _taking_all(inbox, watchers, count)
        assert [s for s in signals if not isinstance(s, Opened | Seen)] == []
        assert [e.object["metadata"]["name"] for e in _non_bookmarks(inbox)] == [
            f"cm-{index}" for index in range(count)
        ]
    finally:
        watchers.stop()
