"""Re-planning: a new CRD or an edited rule changes what a stream watches, and nothing else
(the files of a resource a rule stops selecting stay until a resync)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from tests.e2e.lifecycle.conftest import Operator, Scenario, workflow_condition
from workflows.api.conditions import ConditionType, StreamReason
from workflows.lifecycle.messages import ActivityName, StreamInput


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


def _wildcard_rule(scenario: Scenario, group: str, resources: tuple[str, ...]) -> dict[str, Any]:
    """A WatchRule for core ``resources`` and every resource of ``group`` (granted to the
    worker), whether or not the group is served yet."""
    scenario.grant([(group, "widgets")])
    rule = scenario.watch_rule(resources=resources)
    rule["spec"]["rules"].append({"apiGroups": [group], "resources": ["*"]})
    return rule


def _serve_widgets(scenario: Scenario, group: str) -> None:
    scenario.plane.kubectl("apply", "-f", "-", stdin=json.dumps(_crd(group)))
    scenario.plane.kubectl(
        "wait", "--for=condition=Established", f"crd/widgets.{group}", "--timeout=30s"
    )


def _widget(group: str) -> dict[str, Any]:
    return {
        "apiVersion": f"{group}/v1",
        "kind": "Widget",
        "metadata": {"name": "gear"},
        "spec": {"teeth": 12},
    }


def test_a_crd_created_after_ready_that_a_wildcard_selects_is_mirrored(
    operator: Operator, scenario: Scenario, group: str
) -> None:
    rule = _wildcard_rule(scenario, group, ("configmaps", "secrets"))
    scenario.apply(scenario.credentials(), scenario.provider(), scenario.target(), rule)
    scenario.wait("mirror", "Ready=true", timeout=90)

    _serve_widgets(scenario, group)
    scenario.apply(_widget(group))

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


async def _watched(client: Client, scenario: Scenario) -> tuple[str, ...]:
    """The resources the newest stream the workflow started watches (from its input)."""
    workflow_id = f"gittarget/{scenario.namespace}/mirror"
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    scheduled = [
        event.activity_task_scheduled_event_attributes
        for event in history.events
        if event.activity_task_scheduled_event_attributes.activity_type.name == ActivityName.STREAM
    ]
    (request,) = await client.data_converter.decode(scheduled[-1].input.payloads, [StreamInput])
    return tuple(sorted(resource.resource for resource in request.plan.watch.resources))


@dataclass
class _Timeline:
    """EventStreamLive as the workflow holds it, sampled every 0.1 s from ``started``."""

    client: Client
    scenario: Scenario
    started: float = field(default_factory=time.monotonic)
    samples: list[tuple[float, str, str]] = field(default_factory=list)

    async def until(self, reached: Callable[[], Awaitable[bool]], what: str) -> float:
        """Sample until ``reached``; seconds since ``started``."""
        while not await reached():
            status, reason, _ = await workflow_condition(
                self.client, self.scenario, ConditionType.EVENT_STREAM_LIVE
            )
            self.samples.append((time.monotonic() - self.started, status, reason))
            assert time.monotonic() - self.started < 30, f"{what}: {self.samples[-10:]}"
            await asyncio.sleep(0.1)
        return time.monotonic() - self.started

    def longest_disconnected(self) -> float:
        longest, since = 0.0, None
        for at, status, reason in self.samples:
            if (status, reason) == ("False", StreamReason.DISCONNECTED):
                since = at if since is None else since
                longest = max(longest, at - since + 0.1)
            else:
                since = None
        return longest


def _log_sizes(operator: Operator) -> dict[Path, int]:
    processes = [*operator.workers, *operator.bridges]
    return {p.process.log_path: p.process.log_path.stat().st_size for p in processes}


def _warnings_since(sizes: dict[Path, int]) -> list[str]:
    """Log records at WARNING or above written to each log after it had ``sizes`` bytes."""
    found = []
    for path, size in sizes.items():
        with path.open("rb") as log:
            log.seek(size)
            found += [line for line in log.read().decode().splitlines() if _PROBLEM.match(line)]
    return found


_PROBLEM = re.compile(r"^\S+ \S+ (WARNING|ERROR|CRITICAL) ")


async def test_a_deleted_crd_that_a_wildcard_selected_leaves_the_stream_without_a_lasting_flap(
    operator: Operator, scenario: Scenario, group: str, temporal_client: Client
) -> None:
    s = scenario
    rule = _wildcard_rule(s, group, ("configmaps",))
    _serve_widgets(s, group)
    s.apply(s.credentials(), s.provider(), s.target(key=None), rule, _widget(group))
    s.wait("mirror", "Ready=true", timeout=90)
    gear = s.object_file(s.namespace, "widgets", "gear", group=group)
    s.until(lambda: s.file(gear) is not None, "the Widget's file")
    assert await _watched(temporal_client, s) == ("configmaps", "widgets")
    logs = _log_sizes(operator)

    timeline = _Timeline(temporal_client, s)
    s.plane.kubectl("delete", "crd", f"widgets.{group}", "--timeout=30s")

    async def replanned() -> bool:
        live = bool(timeline.samples) and timeline.samples[-1][1] == "True"
        return live and await _watched(temporal_client, s) == ("configmaps",)

    live_again = await timeline.until(replanned, "a live stream without widgets")
    after_replan = len(timeline.samples)
    s.apply(s.config_map("later", {"v": "1"}))
    later = s.object_file(s.namespace, "configmaps", "later")

    async def landed() -> bool:
        return s.file(later) is not None

    in_git = await timeline.until(landed, "a later ConfigMap in Git")
    warnings = _warnings_since(logs)
    flap = timeline.longest_disconnected()
    print(f"CRD deleted: a live stream without it {live_again:.1f}s later")
    print(f"longest EventStreamLive=False/Disconnected: {flap:.1f}s")
    print(f"a later ConfigMap in Git {in_git:.1f}s after the deletion")
    print(f"the Widget's file: {'left' if s.file(gear) is not None else 'removed'} in Git")
    print(f"operator warnings since the deletion: {len(warnings)}")
    assert flap < 5.0, timeline.samples[:after_replan]
    assert all(status == "True" for _, status, _ in timeline.samples[after_replan:])
    assert len(warnings) <= 2, warnings
    s.wait("mirror", "Ready=true", timeout=30)
