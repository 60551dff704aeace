"""Re-planning: a new CRD or an edited rule changes what a stream watches, and nothing else
(the files of a resource a rule stops selecting stay until a resync)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from temporalio.client import Client

from tests.e2e.lifecycle.conftest import Operator, Scenario
from workflows.lifecycle.messages import ActivityName


@pytest.fixture
def group(scenario: Scenario) -> Iterator[str]:
    """An API group of this test's own, so its CRD meets no other test's."""
    name = f"{scenario.namespace}.example.com"
    yield name
    scenario.plane.kubectl("delete", "crd", f"widgets.{name}", "--ignore-not-found", "--wait=false")


def _crd(group: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def test_a_crd_created_after_ready_that_a_wildcard_selects_is_mirrored(
    operator: Operator, scenario: Scenario, group: str
) -> None:
    scenario.grant([(group, "widgets")])
    rule = scenario.watch_rule()
    rule["spec"]["rules"].append({"apiGroups": [group], "resources": ["*"]})
    scenario.apply(scenario.credentials(), scenario.provider(), scenario.target(), rule)
    scenario.wait("mirror", "Ready=true", timeout=90)

    scenario.plane.kubectl("apply", "-f", "-", stdin=json.dumps(_crd(group)))
    scenario.plane.kubectl(
        "wait", "--for=condition=Established", f"crd/widgets.{group}", "--timeout=30s"
    )
    scenario.apply(
        {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "gear"},
            "spec": {"teeth": 12},
        }
    )

    path = scenario.object_file(scenario.namespace, "widgets", "gear", group=group)
    scenario.until(lambda: scenario.file(path) is not None, "the Widget's file", timeout=60)
    assert b"teeth: 12" in (scenario.file(path) or b"")
    scenario.wait("mirror", "Ready=true", timeout=30)


async def _validations(client: Client, workflow_id: str) -> int:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    return sum(
        1
        for event in history.events
        if event.activity_task_scheduled_event_attributes.activity_type.name == "validate"
    )


async def test_a_watch_rule_edit_re_plans_only_its_own_target(
    operator: Operator, scenario: Scenario, temporal_client: Client
) -> None:
    other_rule = scenario.watch_rule("other-config", target="other")
    scenario.apply(
        scenario.credentials(),
        scenario.provider(),
        scenario.target(),
        scenario.target("other", path=f"clusters/{scenario.namespace}-other"),
        scenario.watch_rule(resources=("configmaps",)),
        other_rule,
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    scenario.wait("other", "Ready=true", timeout=90)
    mirror, other = (f"gittarget/{scenario.namespace}/{name}" for name in ("mirror", "other"))
    before = await _validations(temporal_client, mirror), await _validations(temporal_client, other)

    scenario.apply(scenario.watch_rule(resources=("configmaps", "secrets")))
    for _ in range(150):
        if await _validations(temporal_client, mirror) > before[0]:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)  # a signal to the other target would have landed by now

    assert await _validations(temporal_client, mirror) > before[0]
    assert await _validations(temporal_client, other) == before[1]


def _streams_started(scenario: Scenario) -> int:
    """A stream starts only once the snapshot before it is pushed: one per snapshot done."""
    return scenario.scheduled().count(ActivityName.STREAM.value)


def test_files_of_a_resource_a_rule_stops_selecting_stay_until_a_resync(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(
        scenario.credentials(), scenario.provider(), scenario.target(), scenario.watch_rule()
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    secret = scenario.object_file(scenario.namespace, "secrets", "git-credentials")
    assert scenario.file(secret) is not None

    scenario.apply(scenario.watch_rule(resources=("configmaps",)))
    scenario.until(lambda: _streams_started(scenario) == 2, "the re-planned snapshot and stream")
    assert scenario.file(secret) is not None

    scenario.signal("resync")
    scenario.until(lambda: scenario.file(secret) is None, "the file deleted by the resync")
