"""Servers bind loopback only, and stopping them leaves no process behind."""

from __future__ import annotations

from pathlib import Path

from tests.harness.git import GitServers, start_git_servers
from tests.harness.kube import ControlPlane
from tests.harness.process import STARTED, listening_sockets, process_tree, running
from tests.harness.temporal import TemporalServer
from tests.harness.tools import Tools


def test_every_server_of_the_suite_listens_on_127_0_0_1_only(
    control_plane: ControlPlane, temporal: TemporalServer, git_servers: GitServers
) -> None:
    pids = set().union(*(process_tree(p.pid) for p in STARTED if p.alive()))

    sockets = listening_sockets(pids)

    assert len(sockets) >= 6  # etcd x2, apiserver, temporal, git-http, sshd at least
    assert {address for address, _ in sockets} == {"127.0.0.1"}


def test_stopping_servers_ends_every_process_they_started(tools: Tools, tmp_path: Path) -> None:
    servers = start_git_servers(tools, tmp_path)
    pids = set().union(*(process_tree(p.pid) for p in servers.processes))
    assert pids

    servers.stop()

    assert not any(running(pid) for pid in pids)
