"""GitTarget: one folder on one branch of a provider, kept equal to what the rules select."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from workflows.api.base import API_VERSION, ApiModel, Condition, LocalObjectReference, ObjectMeta
from workflows.api.conditions import ConditionType, GitTargetReason, Phase, PushStatus, StreamStatus
from workflows.api.references import ProviderReference

__all__ = [
    "BootstrapStatus",
    "Encryption",
    "EncryptionProvider",
    "EncryptionStatus",
    "EventStreamStatus",
    "GitStatus",
    "GitTarget",
    "GitTargetCondition",
    "GitTargetSpec",
    "GitTargetStatus",
    "SnapshotStats",
    "SnapshotStatus",
    "WorkerRef",
]


class EncryptionProvider(StrEnum):
    SOPS = "sops"


class Encryption(ApiModel):
    """How Secrets are encrypted before they reach Git (SOPS for age recipients)."""

    provider: EncryptionProvider = EncryptionProvider.SOPS
    secret_ref: LocalObjectReference
    generate_when_missing: bool = False


class GitTargetSpec(ApiModel):
    provider_ref: ProviderReference
    branch: str = Field(default="main", min_length=1, max_length=255)
    path: str = Field(min_length=1, max_length=512)
    encryption: Encryption | None = None


GitTargetCondition = Condition[ConditionType, GitTargetReason]


class WorkerRef(ApiModel):
    """The Temporal workflows serving this target."""

    workflow_id: str | None = None
    run_id: str | None = None
    branch_writer_id: str | None = None
    status_sequence: int | None = Field(default=None, ge=0)
    """Orders the workflow's status publications; the bridge refuses one not above it."""


class EncryptionStatus(ApiModel):
    secret_ref: LocalObjectReference | None = None
    recipient: str | None = None
    recipients_hash: str | None = None
    last_validated_time: datetime | None = None


class BootstrapStatus(ApiModel):
    path: str | None = None
    commit: str | None = None
    last_applied_time: datetime | None = None


class SnapshotStats(ApiModel):
    created: int = Field(ge=0)
    updated: int = Field(ge=0)
    deleted: int = Field(ge=0)


class SnapshotStatus(ApiModel):
    last_completed_time: datetime | None = None
    last_commit: str | None = None
    stats: SnapshotStats | None = None


class EventStreamStatus(ApiModel):
    status: StreamStatus | None = None
    registered_time: datetime | None = None
    last_event_time: datetime | None = None
    last_push_time: datetime | None = None
    last_push_status: PushStatus | None = None
    queued_events: int | None = Field(default=None, ge=0)


class GitStatus(ApiModel):
    branch_exists: bool | None = None
    last_commit_sha: str | None = Field(default=None, alias="lastCommitSHA")
    last_checked: datetime | None = None


class GitTargetStatus(ApiModel):
    observed_generation: int | None = Field(default=None, ge=0)
    phase: Phase | None = None
    conditions: list[GitTargetCondition] = Field(default_factory=list, max_length=16)
    last_reconcile_time: datetime | None = None
    worker_ref: WorkerRef | None = None
    encryption: EncryptionStatus | None = None
    bootstrap: BootstrapStatus | None = None
    snapshot: SnapshotStatus | None = None
    stream: EventStreamStatus | None = None
    git: GitStatus | None = None


class GitTarget(ApiModel):
    KIND: ClassVar[str] = "GitTarget"
    PLURAL: ClassVar[str] = "gittargets"

    api_version: Literal["configbutler.ai/v1alpha1"] = API_VERSION
    kind: Literal["GitTarget"] = "GitTarget"
    metadata: ObjectMeta
    spec: GitTargetSpec
    status: GitTargetStatus | None = None
