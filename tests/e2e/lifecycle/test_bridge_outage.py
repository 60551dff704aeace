"""The bridge can be down for a while: status changes made meanwhile land when it is back."""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio.client import Client

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.harness.tools import Tools
from workflows.lifecycle.workflow import GitTargetWorkflow


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


async def test_a_status_change_made_while_the_bridge_is_down_lands_when_it_is_back(
    operator: Operator, scenario: Scenario, tools: Tools, temporal_client: Client
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.config_map("settings", {"A": "1"}),
        scenario.provider(),
        scenario.target(key=None),
        scenario.watch_rule(resources=("configmaps",)),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    before = scenario.status("mirror")["snapshot"]["lastCompletedTime"]
    assert operator.bridge is not None
    operator.bridge.stop()
    scenario.signal("resync")  # the Temporal CLI, no input
    handle = temporal_client.get_workflow_handle_for(
        GitTargetWorkflow.run, f"gittarget/{scenario.namespace}/mirror"
    )
    for _ in range(100):  # the workflow re-syncs without the bridge
        known = await handle.query(GitTargetWorkflow.status)
        if known.snapshot and known.snapshot.last_completed_time != parse(before):
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError("the workflow did not re-sync")
    await asyncio.sleep(1)
    assert scenario.status("mirror")["snapshot"]["lastCompletedTime"] == before

    operator.start_bridge()
    scenario.until(
        lambda: scenario.status("mirror")["snapshot"]["lastCompletedTime"] != before,
        "the re-sync's status published after the bridge came back",
    )
    scenario.wait("mirror", "Ready=true")
