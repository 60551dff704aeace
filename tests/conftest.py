"""Session fixtures that start the real components; see docs/harness-contract.md.

Servers start lazily (a unit-only run starts none), bind 127.0.0.1 only, and are
stopped by pid at teardown. When a test failed, the tail of every server log is
printed; when a started process outlives the session, the run fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import settings
from kubernetes import client
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.harness.git import GitRemote, GitServers, start_git_servers
from tests.harness.kube import ControlPlane, start_control_plane
from tests.harness.process import STARTED, session_members
from tests.harness.temporal import TemporalServer, start_temporal
from tests.harness.tools import Tools

REPO_ROOT = Path(__file__).resolve().parents[1]
pytest_plugins = ["pytester"]

# Property tests judge results, not speed: on a loaded 2-core runner one example can
# take longer than Hypothesis's default 200 ms deadline, which fails a correct test.
settings.register_profile("gitops-reverser", deadline=None)
settings.load_profile("gitops-reverser")


@pytest.fixture(scope="session")
def tools() -> Tools:
    return Tools.discover()


@pytest.fixture(scope="session")
def control_plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    plane = start_control_plane(tools, tmp_path_factory.mktemp("kube"), REPO_ROOT / "crds")
    yield plane
    plane.stop()


@pytest.fixture(scope="session")
def k8s(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.admin_client()


@pytest.fixture
def namespace(k8s: client.ApiClient) -> Iterator[str]:
    """A fresh namespace; deletion is requested at teardown (no controller finishes it)."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(k8s)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


@pytest.fixture(scope="session")
def temporal(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalServer]:
    server = start_temporal(tools, tmp_path_factory.mktemp("temporal"))
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_client(temporal: TemporalServer) -> AsyncIterator[Client]:
    yield await Client.connect(
        temporal.address, namespace=temporal.namespace, data_converter=pydantic_data_converter
    )


@pytest.fixture(scope="session")
def git_servers(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitServers]:
    servers = start_git_servers(tools, tmp_path_factory.mktemp("git"))
    yield servers
    servers.stop()


@pytest.fixture
def git_remote(git_servers: GitServers) -> GitRemote:
    return git_servers.new_remote()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not terminalreporter.stats.get("failed") and not terminalreporter.stats.get("error"):
        return
    terminalreporter.section("server logs (tails)")
    for process in STARTED:
        terminalreporter.write_line(process.log_tail())


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run if a started process, or anything it spawned, outlived its fixture;
    then end those processes by pid."""
    survivors = {process.name: session_members(process.pid) for process in STARTED if process.popen}
    survivors = {name: pids for name, pids in survivors.items() if pids}
    if not survivors:
        return
    names = [
        f"{name} (pids {', '.join(map(str, sorted(pids)))})" for name, pids in survivors.items()
    ]
    session.config.stash.setdefault(_SURVIVORS, []).extend(names)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
    for pids in survivors.values():
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


_SURVIVORS = pytest.StashKey[list[str]]()


def pytest_unconfigure(config: pytest.Config) -> None:
    survivors = config.stash.get(_SURVIVORS, [])
    if survivors:
        print(f"\nERROR: processes started by the suite outlived it: {', '.join(survivors)}")
