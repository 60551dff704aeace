"""A quiet watch and an API server that stops answering look the same on the wire: the
probe tells them apart. A live server's quiet watch stays open through the probes; a
watch held open by a server that no longer answers (a draining kube-apiserver, a lost
network) fails within seconds, naming the cause."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from kubernetes import client, config

from activities.kube import ApiResource, Cluster, ClusterError, WatchEvent
from tests.harness.kube import ControlPlane

CONFIG_MAPS = ApiResource("", "v1", "configmaps", "ConfigMap", True, ("list", "watch"))
PROBE_EVERY = 0.2


class _Relay:
    """TCP to the API server through 127.0.0.1, until ``go_quiet``: then it accepts no new
    connection and forwards nothing, but keeps the connections it has open."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._quiet = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="relay", daemon=True).start()

    def go_quiet(self) -> None:
        self._quiet.set()
        _shut(self._listener)

    def close(self) -> None:
        self.go_quiet()
        for sock in self._sockets:
            _shut(sock)

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            self._sockets += [downstream, upstream]
            for source, sink in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while (data := source.recv(65536)) and not self._quiet.is_set():
                sink.sendall(data)


def _shut(sock: socket.socket) -> None:
    """Shut, then close: a thread blocked on the socket (accept, recv) keeps a socket that
    is only closed open, so the peer would never hear of it."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def relay(control_plane: ControlPlane) -> Iterator[_Relay]:
    server = urlsplit(control_plane.server)
    relayed = _Relay((str(server.hostname), int(server.port or 443)))
    yield relayed
    relayed.close()


def _cluster(kubeconfig: Path) -> Cluster:
    return Cluster(
        config.new_client_from_config(config_file=str(kubeconfig)), probe_every=PROBE_EVERY
    )


def _relayed(control_plane: ControlPlane, relay: _Relay, tmp_path: Path) -> Path:
    """The admin kubeconfig with the relay for server (the serving cert names the IP)."""
    relayed = tmp_path / "relayed.kubeconfig"
    text = control_plane.admin_kubeconfig.read_text()
    relayed.write_text(text.replace(control_plane.server, f"https://127.0.0.1:{relay.port}"))
    return relayed


def _follow(
    cluster: Cluster, namespace: str, seen: list[WatchEvent | Exception]
) -> threading.Event:
    """Watch ConfigMaps in ``namespace`` in a thread, recording events and the error that
    ends it; returns once the watch is open, with the event that stops it."""
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    stop, opened = threading.Event(), threading.Event()

    def follow() -> None:
        try:
            for event in cluster.watch_objects(
                CONFIG_MAPS, namespace, start, stop, on_open=opened.set
            ):
                seen.append(event)
        except ClusterError as error:
            seen.append(error)

    threading.Thread(target=follow, daemon=True).start()
    assert opened.wait(10)
    return stop


def test_a_quiet_watch_on_a_live_server_stays_open_through_the_probes(
    control_plane: ControlPlane, k8s: client.ApiClient, namespace: str
) -> None:
    seen: list[WatchEvent | Exception] = []
    stop = _follow(_cluster(control_plane.admin_kubeconfig), namespace, seen)
    time.sleep(PROBE_EVERY * 10)
    core: Any = client.CoreV1Api(k8s)
    core.create_namespaced_config_map(namespace, {"metadata": {"name": "later"}})
    deadline = time.monotonic() + 10
    while not any(isinstance(e, WatchEvent) and e.type == "ADDED" for e in seen):
        assert time.monotonic() < deadline, f"the ADDED event not seen: {seen}"
        time.sleep(0.05)
    stop.set()
    assert not [e for e in seen if isinstance(e, Exception)]


def test_a_watch_held_open_by_a_server_that_no_longer_answers_fails_naming_the_cause(
    control_plane: ControlPlane, relay: _Relay, namespace: str, tmp_path: Path
) -> None:
    seen: list[WatchEvent | Exception] = []
    stop = _follow(_cluster(_relayed(control_plane, relay, tmp_path)), namespace, seen)
    quiet_at = time.monotonic()
    relay.go_quiet()
    while not [e for e in seen if isinstance(e, Exception)]:
        assert time.monotonic() - quiet_at < 5, "the held watch is still taken for open"
        time.sleep(0.05)
    stop.set()
    (error,) = [e for e in seen if isinstance(e, Exception)]
    assert "does not answer" in str(error) and "/livez" in str(error)
    print(f"failed {time.monotonic() - quiet_at:.1f}s after the server went quiet: {error}")
