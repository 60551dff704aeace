"""A burst of updates is batched by the provider's push policy and loses no final value."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import yaml
from kubernetes import client

from tests.e2e.lifecycle.conftest import Operator, Scenario

OBJECTS = 50
ROUNDS = 20  # OBJECTS x ROUNDS = 1,000 changes
MAX_COMMITS = 50
INTERVAL = "5s"  # the count, more than the clock, cuts the batches of a burst


def test_a_burst_of_a_thousand_updates_makes_a_few_dozen_commits_with_every_final_value(
    operator: Operator, scenario: Scenario
) -> None:
    provider = scenario.provider(max_commits=MAX_COMMITS)
    provider["spec"]["push"]["interval"] = INTERVAL
    scenario.apply(
        scenario.credentials(),
        provider,
        scenario.target(),
        scenario.watch_rule(),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    names = [f"burst-{index:02d}" for index in range(OBJECTS)]
    paths = {name: scenario.object_file(scenario.namespace, "configmaps", name) for name in names}
    before = len(scenario.commits())

    scenario.apply(*(scenario.config_map(name, {"ROUND": "created"}) for name in names))
    core: Any = client.CoreV1Api(scenario.plane.admin_client())
    updates = [(name, str(round_)) for round_ in range(ROUNDS - 1) for name in names]

    def update(change: tuple[str, str]) -> None:
        core.patch_namespaced_config_map(
            change[0], scenario.namespace, {"data": {"ROUND": change[1]}}
        )

    with ThreadPoolExecutor(4) as pool:  # with the creation: OBJECTS x ROUNDS changes
        for round_ in range(ROUNDS - 1):  # each round after the last, so the order holds
            list(pool.map(update, updates[round_ * OBJECTS : (round_ + 1) * OBJECTS]))

    last = str(ROUNDS - 2)

    def final(path: str) -> bool:
        raw = scenario.file(path)
        return raw is not None and yaml.safe_load(raw)["data"] == {"ROUND": last}

    scenario.until(lambda: all(final(p) for p in paths.values()), "every final value", timeout=120)
    commits = len(scenario.commits()) - before
    print(f"{OBJECTS * ROUNDS} changes made {commits} commits")
    batches = OBJECTS * ROUNDS // MAX_COMMITS
    assert 1 <= commits <= batches + 10, commits  # a few dozen, not a thousand
