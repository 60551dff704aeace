"""The status subresource: only status writes change status, and they must fit the contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kubernetes.client.exceptions import ApiException

from tests.harness.kube import ControlPlane
from tests.integration.api.resources import JSON, Objects, error_message, target, with_changes
from workflows.api import (
    BootstrapStatus,
    EncryptionStatus,
    EventStreamStatus,
    GitStatus,
    GitTargetCondition,
    GitTargetStatus,
    LocalObjectReference,
    SnapshotStats,
    SnapshotStatus,
    WorkerRef,
)
from workflows.api.conditions import (
    BootstrapReason,
    ConditionStatus,
    ConditionType,
    EncryptionReason,
    GateReason,
    GitTargetReason,
    Phase,
    PushStatus,
    ReadyReason,
    SnapshotReason,
    StreamReason,
    StreamStatus,
    ValidatedReason,
)

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def _condition(
    kind: ConditionType,
    status: ConditionStatus,
    reason: GitTargetReason,
) -> GitTargetCondition:
    return GitTargetCondition(
        type=kind,
        status=status,
        observed_generation=1,
        last_transition_time=NOW,
        reason=reason,
        message=f"{kind} is {status}",
    )


def _ready(status: ConditionStatus, reason: ReadyReason | GateReason) -> JSON:
    return _condition(ConditionType.READY, status, reason).model_dump(mode="json")


PASSED_GATES: list[tuple[ConditionType, GitTargetReason]] = [
    (ConditionType.VALIDATED, ValidatedReason.ACCESS_VERIFIED),
    (ConditionType.ENCRYPTION_CONFIGURED, EncryptionReason.KEY_GENERATED),
    (ConditionType.BOOTSTRAPPED, BootstrapReason.PATH_INITIALIZED),
    (ConditionType.SNAPSHOT_SYNCED, SnapshotReason.COMPLETED),
    (ConditionType.EVENT_STREAM_LIVE, StreamReason.REGISTERED),
    (ConditionType.READY, ReadyReason.RECONCILED),
]


def _full_status() -> GitTargetStatus:
    return GitTargetStatus(
        observed_generation=1,
        phase=Phase.RUNNING,
        conditions=[
            _condition(kind, ConditionStatus.TRUE, reason) for kind, reason in PASSED_GATES
        ],
        last_reconcile_time=NOW,
        worker_ref=WorkerRef(workflow_id="gittarget/ns/target", run_id="r1"),
        encryption=EncryptionStatus(
            secret_ref=LocalObjectReference(name="age-key"),
            recipient="age1examplerecipient",
            recipients_hash="sha256:abc",
            last_validated_time=NOW,
        ),
        bootstrap=BootstrapStatus(path="clusters/a", commit="c0ffee", last_applied_time=NOW),
        snapshot=SnapshotStatus(
            last_completed_time=NOW,
            last_commit="c0ffee",
            stats=SnapshotStats(created=3, updated=1, deleted=0),
        ),
        stream=EventStreamStatus(
            status=StreamStatus.LIVE,
            registered_time=NOW,
            last_event_time=NOW,
            last_push_time=NOW,
            last_push_status=PushStatus.SUCCEEDED,
            queued_events=0,
        ),
        git=GitStatus(branch_exists=True, last_commit_sha="c0ffee", last_checked=NOW),
    )


def test_full_status_from_the_model_is_stored_and_reads_back_equal(
    objects: Objects, namespace: str
) -> None:
    objects.create(target(), namespace)
    status = _full_status()

    stored = objects.patch_status("GitTarget", "target", namespace, status.model_dump(mode="json"))

    assert GitTargetStatus.model_validate(stored["status"]) == status


def test_status_sent_with_the_main_resource_is_ignored(objects: Objects, namespace: str) -> None:
    body = with_changes(target(), {"status": {"phase": "RUNNING"}})

    created = objects.create(body, namespace)

    assert "status" not in created


def test_status_write_does_not_bump_generation(objects: Objects, namespace: str) -> None:
    objects.create(target(), namespace)

    updated = objects.patch_status("GitTarget", "target", namespace, {"phase": "PENDING"})

    assert updated["metadata"]["generation"] == 1


def test_spec_change_bumps_generation(objects: Objects, namespace: str) -> None:
    objects.create(target(), namespace)

    updated = objects.patch(
        "GitTarget", "target", namespace, {"spec": {"encryption": {"secretRef": {"name": "k"}}}}
    )

    assert updated["metadata"]["generation"] == 2


@pytest.mark.parametrize(
    ("status", "message"),
    [
        pytest.param(
            {"phase": "Running"},
            'status.phase: Unsupported value: "Running"',
            id="phase outside the enum",
        ),
        pytest.param(
            {
                "conditions": [
                    {**_ready(ConditionStatus.TRUE, ReadyReason.RECONCILED), "type": "Ok"}
                ]
            },
            'status.conditions[0].type: Unsupported value: "Ok"',
            id="unknown condition type",
        ),
        pytest.param(
            {
                "conditions": [
                    {**_ready(ConditionStatus.FALSE, GateReason.BLOCKED), "reason": "Oops"}
                ]
            },
            'status.conditions[0].reason: Unsupported value: "Oops"',
            id="unknown reason",
        ),
        pytest.param(
            {
                "conditions": [
                    _ready(ConditionStatus.TRUE, ReadyReason.RECONCILED),
                    _ready(ConditionStatus.FALSE, GateReason.BLOCKED),
                ]
            },
            "status.conditions[1]: Duplicate value",
            id="the same condition type twice",
        ),
        pytest.param(
            {
                "conditions": [
                    {
                        key: value
                        for key, value in _ready(
                            ConditionStatus.TRUE, ReadyReason.RECONCILED
                        ).items()
                        if key != "observedGeneration"
                    }
                ]
            },
            "status.conditions[0].observedGeneration: Required value",
            id="condition without observedGeneration",
        ),
    ],
)
def test_status_outside_the_contract_is_rejected(
    objects: Objects, namespace: str, status: JSON, message: str
) -> None:
    objects.create(target(), namespace)

    with pytest.raises(ApiException) as rejected:
        objects.patch_status("GitTarget", "target", namespace, status)

    assert message in error_message(rejected.value)


@pytest.mark.parametrize("condition", [ConditionType.READY, ConditionType.SNAPSHOT_SYNCED])
def test_kubectl_wait_for_a_true_condition_returns(
    control_plane: ControlPlane, objects: Objects, namespace: str, condition: ConditionType
) -> None:
    objects.create(target(), namespace)
    reason = (
        ReadyReason.RECONCILED if condition is ConditionType.READY else SnapshotReason.COMPLETED
    )
    true = _condition(condition, ConditionStatus.TRUE, reason).model_dump(mode="json")
    objects.patch_status("GitTarget", "target", namespace, {"conditions": [true]})

    waited = control_plane.kubectl(
        "wait",
        f"--for=condition={condition}=true",
        "gittarget/target",
        "-n",
        namespace,
        "--timeout=10s",
    )

    assert waited.returncode == 0
