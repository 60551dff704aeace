"""kube-apiserver down or frozen while a target streams (etcd keeps running):
EventStreamLive goes False/Disconnected with the cause within seconds, and once the API
server is back (restarted on the same port with the same flags, or thawed) the stream is
live again, Ready and EventStreamLive return True on the GitTarget, and the changes made
just before the outage and after it reach Git.

While the API server is down the bridge cannot write status, so the stream's state is
read from the workflow (its ``status`` query). Stopping the session's API server would
break the other tests, so this module runs a control plane (and operator) of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator

import pytest
import yaml
from kubernetes import client
from temporalio.client import Client

from tests.e2e.lifecycle.conftest import (
    Operator,
    Scenario,
    own_control_plane,
    workflow_condition,
)
from tests.harness.kube import ControlPlane
from tests.harness.tools import Tools
from workflows.api.conditions import ConditionType, StreamReason

OUTAGE = 8.0
"""Shorter than the bridge's Lease (15 s): a longer outage ends the bridge, by design, and
its Deployment starts it again."""
_EXPIRED = 'gitops_reverser_relists_total{cause="expired"}'


@pytest.fixture(scope="module")
def control_plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """This module's own control plane: the test stops its kube-apiserver."""
    yield from own_control_plane(tools, tmp_path_factory, "kube-outage")


@pytest.fixture(scope="module")
def k8s(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.admin_client()


@pytest.fixture
def restored_apiserver(scenario: Scenario) -> Iterator[None]:
    """kube-apiserver running again when the test ends, however it ends, before the
    scenario's cleanup needs it."""
    yield
    scenario.plane.thaw_apiserver()
    if not scenario.plane.apiserver_ready():
        scenario.plane.restart_apiserver()


async def _stream(client: Client, scenario: Scenario) -> tuple[str, str, str]:
    return await workflow_condition(client, scenario, ConditionType.EVENT_STREAM_LIVE)


async def _until(
    client: Client,
    scenario: Scenario,
    wanted: Callable[[tuple[str, str, str]], bool],
    what: str,
    timeout: float,
) -> tuple[str, str, str]:
    """Poll the workflow's EventStreamLive until ``wanted``; the condition reached."""
    deadline = time.monotonic() + timeout
    while not wanted(found := await _stream(client, scenario)):
        assert time.monotonic() < deadline, f"{what} not reached in {timeout}s: {found}"
        await asyncio.sleep(0.1)
    return found


def _in_git(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The data of each ConfigMap file in the target's folder, by ConfigMap name."""
    folder = f"{scenario.folder()}/{scenario.namespace}/core/configmaps/"
    return {
        path.removeprefix(folder).removesuffix(".yaml"): (yaml.safe_load(content) or {})["data"]
        for path, content in scenario.remote.files(folder.rstrip("/")).items()
    }


_WANTED = {"before": {"v": "2"}, "just-before": {"v": "1"}, "after": {"v": "1"}}


async def _go_down(client: Client, s: Scenario) -> None:
    """Stop kube-apiserver: within seconds the workflow's EventStreamLive is
    False/Disconnected naming the cause, and it stays so until ``OUTAGE`` has passed."""
    stopped_at = time.monotonic()
    s.plane.stop_apiserver()  # it drains for a minute, holding the stream's watch open
    _, reason, message = await _until(
        client, s, lambda c: c[0] == "False", "EventStreamLive=False", 10
    )
    went_false = time.monotonic() - stopped_at
    print(f"EventStreamLive=False/{reason} {went_false:.1f}s after the stop: {message}")
    assert reason == StreamReason.DISCONNECTED
    assert "configmaps" in message and "does not answer" in message, "the cause is named"
    while time.monotonic() - stopped_at < OUTAGE:  # retried attempts stay disconnected
        status, reason, _ = await _stream(client, s)
        assert (status, reason) == ("False", StreamReason.DISCONNECTED)
        await asyncio.sleep(0.5)


async def _come_back(client: Client, s: Scenario) -> None:
    """Restart kube-apiserver and change ConfigMaps: the stream is live again and every
    change made around the outage reaches Git."""
    restarted_at = time.monotonic()
    s.plane.restart_apiserver()
    ready = time.monotonic() - restarted_at
    s.apply(s.config_map("after", {"v": "1"}), s.config_map("before", {"v": "2"}))
    await _until(client, s, lambda c: c[0] == "True", "EventStreamLive=True again", 60)
    live_again = time.monotonic() - restarted_at
    s.until(lambda: _in_git(s) == _WANTED, "the changes made around the outage in Git")
    landed = time.monotonic() - restarted_at
    print(f"kube-apiserver ready {ready:.1f}s after its restart began")
    print(f"EventStreamLive=True {live_again:.1f}s after the restart")
    print(f"the changes made around the outage in Git {landed:.1f}s after the restart")


@pytest.mark.usefixtures("restored_apiserver")
async def test_the_api_server_down_goes_disconnected_and_everything_lands_when_it_is_back(
    operator: Operator, scenario: Scenario, temporal_client: Client
) -> None:
    s = scenario
    s.apply(
        s.config_map("before", {"v": "1"}),
        s.credentials(),
        s.provider(),
        s.target(key=None),
        s.watch_rule(resources=("configmaps",)),
    )
    s.wait("mirror", "Ready=true", timeout=90)
    await _until(temporal_client, s, lambda c: c[0] == "True", "EventStreamLive=True", 30)
    s.apply(s.config_map("just-before", {"v": "1"}))

    await _go_down(temporal_client, s)
    await _come_back(temporal_client, s)

    relists = operator.workers[-1].metric(_EXPIRED)
    print(f"re-lists because the restarted server had no watch history: {relists:.0f}")
    s.wait("mirror", "Ready=true", timeout=60)
    s.wait("mirror", "EventStreamLive=true", timeout=10)


@pytest.mark.usefixtures("operator", "restored_apiserver")
async def test_a_frozen_api_server_goes_disconnected_and_everything_lands_when_it_thaws(
    scenario: Scenario, temporal_client: Client
) -> None:
    """SIGSTOP: connections still open (the kernel accepts them) but nothing answers, so
    only the worker's ``/livez`` probe can tell; nothing of the watch history is lost."""
    s = scenario
    s.apply(
        s.config_map("before", {"v": "1"}),
        s.credentials(),
        s.provider(),
        s.target(key=None),
        s.watch_rule(resources=("configmaps",)),
    )
    s.wait("mirror", "Ready=true", timeout=90)
    await _until(temporal_client, s, lambda c: c[0] == "True", "EventStreamLive=True", 30)
    s.apply(s.config_map("just-before", {"v": "1"}))

    frozen_at = time.monotonic()
    s.plane.freeze_apiserver()
    _, reason, message = await _until(
        temporal_client, s, lambda c: c[0] == "False", "EventStreamLive=False", 15
    )
    print(f"EventStreamLive=False/{reason} {time.monotonic() - frozen_at:.1f}s: {message}")
    assert reason == StreamReason.DISCONNECTED
    assert "configmaps" in message and "does not answer" in message, "the cause is named"
    while time.monotonic() - frozen_at < OUTAGE:
        await asyncio.sleep(0.5)

    thawed_at = time.monotonic()
    s.plane.thaw_apiserver()
    s.apply(s.config_map("after", {"v": "1"}), s.config_map("before", {"v": "2"}))
    await _until(temporal_client, s, lambda c: c[0] == "True", "EventStreamLive=True again", 60)
    s.until(lambda: _in_git(s) == _WANTED, "the changes made around the freeze in Git")
    print(f"the changes made around the freeze in Git {time.monotonic() - thawed_at:.1f}s")
    s.wait("mirror", "Ready=true", timeout=60)
    s.wait("mirror", "EventStreamLive=true", timeout=10)
