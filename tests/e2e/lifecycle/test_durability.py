"""A worker killed with SIGKILL loses nothing: a new worker finishes the lifecycle, the stream
resumes from what Git holds, and the repo ends equal to the live objects."""

from __future__ import annotations

import pygit2
import yaml

from tests.e2e.lifecycle.conftest import Operator, Scenario


def _no_commit_repeats_its_parent(scenario: Scenario) -> None:
    repo = pygit2.Repository(str(scenario.remote.bare_path))
    for commit in repo.walk(repo.references["refs/heads/main"].target):
        for parent in commit.parents:
            assert commit.tree_id != parent.tree_id, f"commit {commit.id} changes nothing"


def _data(scenario: Scenario, name: str) -> object:
    raw = scenario.file(scenario.object_file(scenario.namespace, "configmaps", name))
    return (yaml.safe_load(raw) or {}).get("data") if raw else None


def _replace_worker(operator: Operator) -> None:
    operator.workers.pop().kill()
    operator.start_worker()


def test_a_worker_killed_mid_snapshot_is_replaced_and_the_snapshot_lands_once(
    operator: Operator, scenario: Scenario
) -> None:
    count = 1500
    scenario.apply(
        *(scenario.config_map(f"bulk-{i}", {"index": str(i)}) for i in range(count)),
        scenario.credentials(),
        scenario.provider(),
        scenario.watch_rule(resources=("configmaps",)),
        scenario.target(key=None),
    )
    scenario.until(
        lambda: scenario.condition("mirror", "SnapshotSynced") == ("Unknown", "Running"),
        "the snapshot running",
        timeout=60,
    )
    _replace_worker(operator)
    scenario.wait("mirror", "Ready=true", timeout=120)
    assert all(_data(scenario, f"bulk-{i}") == {"index": str(i)} for i in range(0, count, 50))
    stats = scenario.status("mirror")["snapshot"]["stats"]
    assert stats["created"] == count, stats
    _no_commit_repeats_its_parent(scenario)


def test_a_worker_killed_mid_stream_is_replaced_and_every_change_lands(
    operator: Operator, scenario: Scenario
) -> None:
    names = [f"live-{i}" for i in range(20)]
    scenario.apply(
        *(scenario.config_map(name, {"round": "0"}) for name in names),
        scenario.credentials(),
        scenario.provider(),
        scenario.watch_rule(resources=("configmaps",)),
        scenario.target(key=None),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    for round_ in range(1, 6):
        scenario.apply(*(scenario.config_map(name, {"round": str(round_)}) for name in names))
        if round_ == 3:
            _replace_worker(operator)
    scenario.delete("configmap", names[0])
    scenario.until(
        lambda: (
            all(_data(scenario, name) == {"round": "5"} for name in names[1:])
            and _data(scenario, names[0]) is None
        ),
        "every change in Git",
        timeout=120,
    )
    scenario.wait("mirror", "Ready=true")
    _no_commit_repeats_its_parent(scenario)
