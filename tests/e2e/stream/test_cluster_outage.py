"""The cluster down while a target streams: kube-apiserver stopped, kube-apiserver frozen,
or its etcd stopped. Within seconds EventStreamLive goes False/Disconnected with the
cause, and once the cluster is back the stream is live again, Ready and EventStreamLive
return True on the GitTarget, and the changes made just before the outage and after it
reach Git.

While the cluster is down the bridge cannot write status, so the stream's state is read
from the workflow (its ``status`` query). Stopping the session's API server or etcd would
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
_WANTED = {"before": {"v": "2"}, "just-before": {"v": "1"}, "after": {"v": "1"}}


@pytest.fixture(scope="module")
def control_plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """This module's own control plane: the tests stop its kube-apiserver and etcd."""
    yield from own_control_plane(tools, tmp_path_factory, "kube-outage")


@pytest.fixture(scope="module")
def k8s(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.admin_client()


@pytest.fixture
def restored_cluster(scenario: Scenario) -> Iterator[None]:
    """etcd and kube-apiserver running again when the test ends, however it ends, before
    the scenario's cleanup needs them."""
    yield
    plane = scenario.plane
    plane.thaw_apiserver()
    if not plane.etcd_ready():
        plane.restart_etcd()
    if not plane.apiserver_ready():
        plane.restart_apiserver()


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


async def _streaming(client: Client, s: Scenario) -> None:
    """A Ready target streaming ConfigMaps, and a change made just before the outage."""
    s.apply(
        s.config_map("before", {"v": "1"}),
        s.credentials(),
        s.provider(),
        s.target(key=None),
        s.watch_rule(resources=("configmaps",)),
    )
    s.wait("mirror", "Ready=true", timeout=90)
    await _until(client, s, lambda c: c[0] == "True", "EventStreamLive=True", 30)
    s.apply(s.config_map("just-before", {"v": "1"}))


async def _goes_disconnected(client: Client, s: Scenario, since: float, timeout: float) -> None:
    """Within ``timeout`` of ``since``, the workflow's EventStreamLive is False/Disconnected
    naming the cause."""
    _, reason, message = await _until(
        client, s, lambda c: c[0] == "False", "EventStreamLive=False", timeout
    )
    print(f"EventStreamLive=False/{reason} {time.monotonic() - since:.1f}s in: {message}")
    assert reason == StreamReason.DISCONNECTED
    assert "configmaps" in message and "does not answer" in message, "the cause is named"


async def _stays_disconnected(client: Client, s: Scenario, since: float) -> None:
    """Retried attempts stay False/Disconnected until ``OUTAGE`` has passed since ``since``."""
    while time.monotonic() - since < OUTAGE:
        status, reason, _ = await _stream(client, s)
        assert (status, reason) == ("False", StreamReason.DISCONNECTED)
        await asyncio.sleep(0.5)


async def _everything_lands(client: Client, s: Scenario, since: float) -> None:
    """Change ConfigMaps once the cluster is back (from ``since``): the stream is live
    again, every change made around the outage reaches Git, and the target is Ready."""
    s.apply(s.config_map("after", {"v": "1"}), s.config_map("before", {"v": "2"}))
    await _until(client, s, lambda c: c[0] == "True", "EventStreamLive=True again", 60)
    print(f"EventStreamLive=True {time.monotonic() - since:.1f}s after the cluster was back")
    s.until(lambda: _in_git(s) == _WANTED, "the changes made around the outage in Git")
    print(f"the changes made around the outage in Git {time.monotonic() - since:.1f}s after")
    s.wait("mirror", "Ready=true", timeout=60)
    s.wait("mirror", "EventStreamLive=true", timeout=10)


@pytest.mark.usefixtures("restored_cluster")
async def test_the_api_server_down_goes_disconnected_and_everything_lands_when_it_is_back(
    operator: Operator, scenario: Scenario, temporal_client: Client
) -> None:
    s = scenario
    await _streaming(temporal_client, s)

    stopped_at = time.monotonic()
    s.plane.stop_apiserver()  # it drains for a minute, holding the stream's watch open
    await _goes_disconnected(temporal_client, s, stopped_at, timeout=10)
    await _stays_disconnected(temporal_client, s, stopped_at)

    restarted_at = time.monotonic()
    s.plane.restart_apiserver()
    print(f"kube-apiserver ready {time.monotonic() - restarted_at:.1f}s after its restart began")
    await _everything_lands(temporal_client, s, restarted_at)
    relists = operator.workers[-1].metric(_EXPIRED)
    print(f"re-lists because the restarted server had no watch history: {relists:.0f}")


@pytest.mark.usefixtures("operator", "restored_cluster")
async def test_a_frozen_api_server_goes_disconnected_and_everything_lands_when_it_thaws(
    scenario: Scenario, temporal_client: Client
) -> None:
    """SIGSTOP: connections still open (the kernel accepts them) but nothing answers, so
    only the worker's ``/livez`` probe can tell."""
    s = scenario
    await _streaming(temporal_client, s)

    frozen_at = time.monotonic()
    s.plane.freeze_apiserver()
    await _goes_disconnected(temporal_client, s, frozen_at, timeout=15)
    await _stays_disconnected(temporal_client, s, frozen_at)

    thawed_at = time.monotonic()
    s.plane.thaw_apiserver()
    await _everything_lands(temporal_client, s, thawed_at)


@pytest.mark.usefixtures("restored_cluster")
async def test_etcd_down_goes_disconnected_and_everything_lands_when_it_is_back(
    operator: Operator, scenario: Scenario, temporal_client: Client
) -> None:
    """kube-apiserver keeps running but accepts no change, and its ``/livez`` no longer
    answers in time."""
    s = scenario
    await _streaming(temporal_client, s)
    relists = operator.workers[-1].metric(_EXPIRED)

    stopped_at = time.monotonic()
    s.plane.stop_etcd()
    await _goes_disconnected(temporal_client, s, stopped_at, timeout=20)
    while time.monotonic() - stopped_at < OUTAGE:
        await asyncio.sleep(0.5)

    restarted_at = time.monotonic()
    s.plane.restart_etcd()
    s.until(s.plane.apiserver_ready, "kube-apiserver ready again (it checks etcd)")
    await _everything_lands(temporal_client, s, restarted_at)
    print(f"re-lists: {operator.workers[-1].metric(_EXPIRED) - relists:.0f}")
