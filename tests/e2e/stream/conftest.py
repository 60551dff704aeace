"""Stream faults end to end: the lifecycle suite's operator and scenario fixtures, plus a
scenario whose remote is served by a git HTTP server of its own that a test takes down
and brings back on the same port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.lifecycle.conftest import (  # noqa: F401 - fixtures re-exported
    READ_IN_NAMESPACE,
    Operator,
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
def two_workers(operator: Operator) -> Iterator[Operator]:  # noqa: F811 - the fixture
    """The module's operator with a second worker; the workers the test added (replacements
    of killed ones too) are stopped by pid when it ends."""
    first = len(operator.workers)
    operator.start_worker()
    yield operator
    for worker in operator.workers[first:]:
        worker.stop()  # killed ones are already gone
    del operator.workers[first:]


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
