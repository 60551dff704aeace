"""What operators do: re-sync a target, find targets in Temporal, delete a target."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pygit2
import pytest
from temporalio.client import Client

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.harness.operator import REPO_ROOT
from tests.harness.tools import Tools

_AUTHOR = pygit2.Signature("someone", "someone@example.invalid")


def _delete_out_of_band(scenario: Scenario, path: str) -> None:
    """A commit made behind the operator's back that removes one file."""
    repo = pygit2.Repository(str(scenario.remote.bare_path))
    tip = repo.references["refs/heads/main"].peel(pygit2.Commit)
    index = pygit2.Index()
    index.read_tree(tip.tree)
    index.remove(path)
    tree = index.write_tree(repo)
    repo.create_commit("refs/heads/main", _AUTHOR, _AUTHOR, "remove by hand", tree, [tip.id])


@pytest.fixture
def running(operator: Operator, scenario: Scenario) -> Scenario:
    scenario.apply(
        scenario.credentials(),
        scenario.config_map("settings", {"A": "1"}),
        scenario.provider(),
        scenario.target(key=None),
        scenario.watch_rule(resources=("configmaps",)),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    return scenario


def test_the_temporal_cli_resync_signal_without_input_restores_a_file_deleted_by_hand(
    running: Scenario, tools: Tools
) -> None:
    path = running.object_file(running.namespace, "configmaps", "settings")
    _delete_out_of_band(running, path)
    assert running.file(path) is None
    running.signal("resync")  # the Temporal CLI, no input
    running.until(lambda: running.file(path) is not None, "file restored by the resync")
    running.wait("mirror", "Ready=true")


def test_the_gitops_reverser_resync_command_sends_the_same_signal(running: Scenario) -> None:
    path = running.object_file(running.namespace, "configmaps", "settings")
    _delete_out_of_band(running, path)
    resync = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker.cli",
            "resync",
            f"--temporal-address={running.temporal.address}",
            f"{running.namespace}/mirror",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=REPO_ROOT,
    )
    assert resync.returncode == 0, resync.stderr
    assert f"gittarget/{running.namespace}/mirror" in resync.stdout
    running.until(lambda: running.file(path) is not None, "file restored by the resync")


async def test_visibility_finds_exactly_the_targets_with_a_phase_and_readiness(
    running: Scenario, temporal_client: Client
) -> None:
    running.apply(running.target("broken", provider="absent", key=None))
    running.until(
        lambda: running.condition("broken", "Validated") == ("False", "ProviderNotFound"),
        "broken target stalled",
    )
    ready_query = f'GitTargetNamespace = "{running.namespace}" AND GitTargetReady = true'
    error_query = f'GitTargetNamespace = "{running.namespace}" AND GitTargetPhase = "ERROR"'

    async def ids(query: str) -> set[str]:
        return {w.id async for w in temporal_client.list_workflows(query)}

    for _ in range(50):
        found = (await ids(ready_query), await ids(error_query))
        if found == (
            {f"gittarget/{running.namespace}/mirror"},
            {f"gittarget/{running.namespace}/broken"},
        ):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"visibility found {found}")


def test_deleting_a_target_ends_its_workflow_removes_the_finalizer_and_leaves_git(
    running: Scenario, tools: Tools
) -> None:
    finalizers = running.get("gittarget", "mirror")["metadata"].get("finalizers")
    assert finalizers == ["configbutler.ai/gittarget-lifecycle"]
    before = running.commits()
    path = running.object_file(running.namespace, "configmaps", "settings")
    running.delete("gittarget", "mirror")  # waits until the object is gone
    shown = subprocess.run(
        [
            str(tools.bin("temporal")),
            "workflow",
            "describe",
            "--address",
            running.temporal.address,
            "--workflow-id",
            f"gittarget/{running.namespace}/mirror",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert "COMPLETED" in shown.stdout.upper()
    assert running.commits() == before
    assert running.file(path) is not None
