"""etcd down while a target streams (kube-apiserver keeps running): the API server accepts
no change then and its ``/livez`` stops answering, so within seconds EventStreamLive is
False/Disconnected with that cause; once etcd is back the stream is live again and the
changes made just before and after the outage reach Git.

Stopping the session's etcd would break the other tests, so this module runs a control
plane (and operator) of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

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
"""Shorter than the bridge's Lease (15 s), which it cannot renew while etcd is down."""
_RELISTS = "gitops_reverser_relists_total"
_WANTED = {"before": {"v": "2"}, "just-before": {"v": "1"}, "after": {"v": "1"}}


@pytest.fixture(scope="module")
def control_plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    """This module's own control plane: the test stops its etcd."""
    yield from own_control_plane(tools, tmp_path_factory, "etcd-outage")


@pytest.fixture(scope="module")
def k8s(control_plane: ControlPlane) -> client.ApiClient:
    return control_plane.admin_client()


@pytest.fixture
def restored_etcd(scenario: Scenario) -> Iterator[None]:
    """etcd running again when the test ends, however it ends, before the scenario's
    cleanup needs it."""
    yield
    if not scenario.plane.etcd_ready():
        scenario.plane.restart_etcd()


def _in_git(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The data of each ConfigMap file in the target's folder, by ConfigMap name."""
    folder = f"{scenario.folder()}/{scenario.namespace}/core/configmaps/"
    return {
        path.removeprefix(folder).removesuffix(".yaml"): (yaml.safe_load(content) or {})["data"]
        for path, content in scenario.remote.files(folder.rstrip("/")).items()
    }


async def _stream_until(
    client: Client, scenario: Scenario, status: str, timeout: float
) -> tuple[str, str, str]:
    """Poll the workflow's EventStreamLive (the bridge cannot write status while etcd is
    down) until it has ``status``; the condition reached."""
    deadline = time.monotonic() + timeout
    condition = ConditionType.EVENT_STREAM_LIVE
    while (found := await workflow_condition(client, scenario, condition))[0] != status:
        assert time.monotonic() < deadline, f"EventStreamLive={status} not in {timeout}s: {found}"
        await asyncio.sleep(0.1)
    return found


@pytest.mark.usefixtures("restored_etcd")
async def test_etcd_down_goes_disconnected_and_everything_lands_when_it_is_back(
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
    s.wait("mirror", "EventStreamLive=true", timeout=30)
    s.apply(s.config_map("just-before", {"v": "1"}))
    relists = sum(w.metric(_RELISTS) for w in operator.workers)

    s.plane.stop_etcd()
    stopped_at = time.monotonic()
    _, reason, message = await _stream_until(temporal_client, s, "False", timeout=15)
    print(f"EventStreamLive=False/{reason} {time.monotonic() - stopped_at:.1f}s: {message}")
    assert reason == StreamReason.DISCONNECTED
    assert "configmaps" in message and "does not answer" in message, "the cause is named"
    while time.monotonic() - stopped_at < OUTAGE:
        await asyncio.sleep(0.5)
    s.plane.restart_etcd()
    restarted_at = time.monotonic()
    s.until(s.plane.apiserver_ready, "kube-apiserver ready again (it checks etcd)")
    s.apply(s.config_map("after", {"v": "1"}), s.config_map("before", {"v": "2"}))
    await _stream_until(temporal_client, s, "True", timeout=60)
    s.until(lambda: _in_git(s) == _WANTED, "the changes made around the outage in Git")
    print(f"the changes made around the outage in Git {time.monotonic() - restarted_at:.1f}s")
    print(f"re-lists: {sum(w.metric(_RELISTS) for w in operator.workers) - relists:.0f}")
    s.wait("mirror", "Ready=true", timeout=30)
    s.wait("mirror", "EventStreamLive=true", timeout=10)
