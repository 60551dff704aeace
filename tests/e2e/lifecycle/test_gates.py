"""Each gate's failures as a user sees them on the GitTarget, and recovery with no manual step."""

from __future__ import annotations

import json
import threading

from activities.kube import Cluster
from activities.sops import AgeIdentity
from bridge.informers import BRIDGE_KINDS, Kind
from tests.e2e.lifecycle.conftest import Operator, Scenario


def _stalled(scenario: Scenario, target: str, gate: str, reason: str) -> None:
    scenario.until(
        lambda: scenario.condition(target, gate) == ("False", reason), f"{gate}=False/{reason}"
    )
    status = scenario.status(target)
    assert status["phase"] == "ERROR"
    assert scenario.condition(target, "Ready") == ("False", reason)
    assert scenario.condition(target, "EventStreamLive") == ("Unknown", "Blocked")


def test_a_missing_provider_is_provider_not_found_until_it_is_created(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(scenario.credentials(), scenario.target(key=None))
    _stalled(scenario, "mirror", "Validated", "ProviderNotFound")
    scenario.apply(scenario.provider())
    scenario.wait("mirror", "Ready=true")


def test_a_branch_the_provider_does_not_allow_is_refused_until_it_is_allowed(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.provider(branches=("main",)),
        scenario.target(key=None, branch="audit"),
    )
    _stalled(scenario, "mirror", "Validated", "BranchNotAllowed")
    scenario.apply(scenario.provider(branches=("main", "audit")))
    scenario.wait("mirror", "Ready=true")
    assert scenario.file(f"{scenario.folder()}/README.md", branch="audit") is not None


def test_the_newer_of_two_overlapping_targets_is_a_target_conflict(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(scenario.credentials(), scenario.provider(), scenario.target(key=None))
    scenario.wait("mirror", "Ready=true")
    inner = scenario.target("inner", key=None, path=f"{scenario.folder()}/inner")
    scenario.apply(inner)
    _stalled(scenario, "inner", "Validated", "TargetConflict")
    assert scenario.condition("mirror", "Ready") == ("True", "Reconciled")
    scenario.delete("gittarget", "mirror")
    scenario.wait("inner", "Ready=true")


def test_a_read_only_credential_is_write_access_denied(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(
        scenario.credentials(read_only=True), scenario.provider(), scenario.target(key=None)
    )
    _stalled(scenario, "mirror", "Validated", "WriteAccessDenied")


def test_a_missing_key_secret_without_generation_waits_until_it_is_created(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(scenario.credentials(), scenario.provider(), scenario.target(generate=False))
    _stalled(scenario, "mirror", "EncryptionConfigured", "EncryptionSecretMissing")
    key = AgeIdentity.generate()
    scenario.apply(scenario.secret("sops-age-key", {"SOPS_AGE_KEY": key.reveal()}))
    scenario.wait("mirror", "Ready=true")
    assert scenario.status("mirror")["encryption"]["recipient"] == key.recipient


def test_an_invalid_key_secret_waits_until_it_is_fixed(
    operator: Operator, scenario: Scenario
) -> None:
    scenario.apply(
        scenario.credentials(),
        scenario.provider(),
        scenario.secret("sops-age-key", {"SOPS_AGE_KEY": "not a key"}),
        scenario.target(generate=False),
    )
    _stalled(scenario, "mirror", "EncryptionConfigured", "EncryptionSecretInvalid")
    assert "not a key" not in json.dumps(scenario.status("mirror"))
    scenario.apply(
        scenario.secret("sops-age-key", {"SOPS_AGE_KEY": AgeIdentity.generate().reveal()})
    )
    scenario.wait("mirror", "Ready=true")


def test_a_snapshot_in_progress_shows_syncing(operator: Operator, scenario: Scenario) -> None:
    scenario.apply(
        *(scenario.config_map(f"bulk-{i}", {"index": str(i)}) for i in range(300)),
        scenario.credentials(),
        scenario.provider(),
        scenario.watch_rule(resources=("configmaps",)),
    )
    seen: list[tuple[str, tuple[str, str]]] = []
    with _observed(scenario, seen):
        scenario.apply(scenario.target(key=None))
        scenario.wait("mirror", "Ready=true", timeout=90)
    assert ("SYNCING", ("Unknown", "Running")) in seen, seen
    assert seen[-1] == ("RUNNING", ("True", "Completed"))


class _observed:
    """Records (phase, SnapshotSynced) of every status the API server stores meanwhile."""

    def __init__(self, scenario: Scenario, seen: list[tuple[str, tuple[str, str]]]) -> None:
        self._cluster = Cluster(scenario.plane.admin_client())
        self._namespace = scenario.namespace
        self._seen = seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _follow(self) -> None:
        targets = BRIDGE_KINDS[Kind.GIT_TARGET]
        start = self._cluster.list_objects(targets, self._namespace).resource_version
        for event in self._cluster.watch_objects(targets, self._namespace, start, self._stop):
            status = event.object.get("status") or {}
            synced = next(
                (
                    (c["status"], c["reason"])
                    for c in status.get("conditions") or []
                    if c["type"] == "SnapshotSynced"
                ),
                ("", ""),
            )
            if status:
                self._seen.append((status.get("phase", ""), synced))
