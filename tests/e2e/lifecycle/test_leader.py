"""Two bridges: one holds the Lease and acts, the other stands by and takes over."""

from __future__ import annotations

from tests.e2e.lifecycle.conftest import Operator, Scenario


def test_a_standby_bridge_acts_only_after_the_active_one_stops(
    operator: Operator, scenario: Scenario
) -> None:
    active = operator.bridge
    assert active is not None
    standby = operator.start_bridge()  # healthy, but without the Lease
    scenario.apply(scenario.credentials(), scenario.provider(), scenario.target("first", key=None))
    scenario.wait("first", "Ready=true", timeout=90)
    assert active.metric("gitops_reverser_status_patches_total") > 0
    assert standby.metric("gitops_reverser_status_patches_total") == 0
    assert standby.metric("gitops_reverser_bridge_signals_total") == 0

    active.stop()  # gives the Lease up
    scenario.apply(scenario.target("second", key=None, path=f"{scenario.folder('first')}-2"))
    scenario.wait("second", "Ready=true", timeout=90)
    assert standby.metric("gitops_reverser_status_patches_total") > 0
