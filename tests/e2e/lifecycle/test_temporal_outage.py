"""Temporal unreachable: status keeps its last true value, and the worker and the bridge
carry on by themselves once it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.e2e.lifecycle.conftest import Operator, Scenario
from tests.harness.temporal import TemporalServer, start_temporal
from tests.harness.tools import Tools


@pytest.fixture(scope="module")
def temporal(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemporalServer]:
    """This module's own Temporal, with a database file, so it can be stopped and restarted
    (it replaces the session's server for every fixture of this module)."""
    workdir = tmp_path_factory.mktemp("temporal-durable")
    server = start_temporal(tools, workdir, db_file=workdir / "temporal.db")
    yield server
    server.stop()


def test_status_survives_a_temporal_outage_and_changes_flow_again_after_it(
    operator: Operator, scenario: Scenario, temporal: TemporalServer
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.provider(),
        scenario.target(key=None),
        scenario.watch_rule(resources=("configmaps",)),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    temporal.stop()
    time.sleep(10)
    assert scenario.condition("mirror", "Ready") == ("True", "Reconciled")
    assert all(process.alive() for process in [*operator.workers, *operator.bridges])

    temporal.restart()
    scenario.apply(scenario.config_map("after-outage", {"A": "1"}))
    path = scenario.object_file(scenario.namespace, "configmaps", "after-outage")
    scenario.until(lambda: scenario.file(path) is not None, "a change after the outage", timeout=90)
    # Read before signalling: with 1 s heartbeats the resync's snapshot can be published
    # before a status read that follows the signal.
    before = scenario.status("mirror")["snapshot"]["lastCompletedTime"]
    scenario.signal("resync")
    scenario.until(
        lambda: scenario.status("mirror")["snapshot"]["lastCompletedTime"] != before,
        "status published again after the outage",
        timeout=90,
    )
