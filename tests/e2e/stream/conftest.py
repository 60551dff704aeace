"""Stream faults end to end: the lifecycle suite's operator and scenario fixtures, plus a
scenario whose remote is served by a git HTTP server of its own that a test takes down
and brings back on the same port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.lifecycle.conftest import (  # noqa: F401 - fixtures re-exported
    READ_IN_NAMESPACE,
    Scenario,
    _cleanup,
    binaries,
    operator,
    scenario,
)
from tests.harness.git import GitServers, RestartableHttpServer, start_http_server
from tests.harness.kube import ControlPlane
from tests.harness.temporal import TemporalServer
from tests.harness.tools import Tools


@pytest.fixture
def remote_server(git_servers: GitServers, tmp_path: Path) -> Iterator[RestartableHttpServer]:
    """A git HTTP server the test may take down; stopped (by pid) when the test ends."""
    server = start_http_server(git_servers, tmp_path)
    yield server
    server.down()


@pytest.fixture
def outage_scenario(
    control_plane: ControlPlane,
    namespace: str,
    git_servers: GitServers,
    remote_server: RestartableHttpServer,
    temporal: TemporalServer,
    tools: Tools,
) -> Iterator[Scenario]:
    """A scenario whose provider URL points at ``remote_server``."""
    remote = remote_server.serve(git_servers.new_remote())
    subject = Scenario(control_plane, namespace, remote, temporal, tools.bin("temporal"))
    subject.grant(READ_IN_NAMESPACE)
    yield subject
    _cleanup(subject)
