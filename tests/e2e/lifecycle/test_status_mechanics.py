"""Status discipline on the real stack: a reconcile that changes nothing writes nothing."""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from tests.e2e.lifecycle.conftest import Operator, Scenario
from workflows.lifecycle.messages import DependencyChanged, SignalName, SpecChanged

GATES = ["Validated", "EncryptionConfigured", "Bootstrapped", "SnapshotSynced", "EventStreamLive"]


async def test_reconciles_that_change_nothing_patch_nothing_and_keep_transition_times(
    operator: Operator, scenario: Scenario, temporal_client: Client
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.config_map("settings", {"A": "1"}),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    worker, bridge = operator.workers[-1], operator.bridge
    assert bridge is not None
    await asyncio.sleep(2)  # let the last stream statistics land
    before = scenario.get("gittarget", "mirror")
    patches = bridge.metric("gitops_reverser_status_patches_total")
    validations = worker.metric('gitops_reverser_gate_duration_seconds_count{gate="validate"')

    handle = temporal_client.get_workflow_handle(f"gittarget/{scenario.namespace}/mirror")
    generation = before["metadata"]["generation"]
    for _ in range(5):
        await handle.signal(SignalName.SPEC_CHANGED, SpecChanged(generation=generation))
        await handle.signal(SignalName.DEPENDENCY_CHANGED, DependencyChanged(cause="test"))
    for _ in range(150):
        if worker.metric('gitops_reverser_gate_duration_seconds_count{gate="validate"') >= (
            validations + 1
        ):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(3)  # the passes signalled above finish

    after = scenario.get("gittarget", "mirror")
    assert (
        worker.metric('gitops_reverser_gate_duration_seconds_count{gate="validate"') > validations
    )
    assert bridge.metric("gitops_reverser_status_patches_total") == patches
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["status"]["conditions"] == before["status"]["conditions"]
    assert [c["type"] for c in after["status"]["conditions"]] == [*GATES, "Ready"]
