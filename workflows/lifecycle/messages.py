"""Everything that crosses the lifecycle workflow's boundary, as typed pydantic models.

One input and one result per workflow, activity, signal and query. They carry
references, plans and counts, never object bodies or file bytes: Temporal payloads are
limited to a few MB and every one of them is kept in the workflow's history.

Pure data; no I/O. Activities and the bridge import these too (never the other way).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from workflows.api import GitTargetStatus, ProviderKind
from workflows.api.conditions import GitTargetReason, PushStatus
from workflows.plan import WatchPlan

__all__ = [
    "WORKFLOW_ID_PREFIX",
    "ActivityName",
    "BackupReminderInput",
    "BackupReminderResult",
    "BootstrapInput",
    "BootstrapResult",
    "CarriedState",
    "DependencyChanged",
    "EncryptionPlan",
    "EnsureKeyInput",
    "EnsureKeyResult",
    "GateFailureDetail",
    "LifecycleInput",
    "LifecycleResult",
    "ProviderPlan",
    "PublicationOutcome",
    "PublicationResult",
    "RelistCause",
    "Requests",
    "Resync",
    "SecretRef",
    "SecretWatchInput",
    "SecretWatchResult",
    "SignalName",
    "SnapshotInput",
    "SnapshotResult",
    "SpecChanged",
    "StatusPublication",
    "StreamCheckpoint",
    "StreamInput",
    "StreamReport",
    "StreamResult",
    "TargetDeleted",
    "TargetPlan",
    "TargetRef",
    "ValidateInput",
    "ValidateResult",
    "workflow_id",
]

WORKFLOW_ID_PREFIX = "gittarget/"


class _Message(BaseModel):
    """Base of every boundary model: immutable, no stray fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TargetRef(_Message):
    """Which GitTarget: its namespace and name (its workflow id follows from them)."""

    namespace: str
    name: str

    @property
    def workflow_id(self) -> str:
        return workflow_id(self.namespace, self.name)

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


def workflow_id(namespace: str, name: str) -> str:
    """``gittarget/<namespace>/<name>``: one lifecycle workflow per GitTarget."""
    return f"{WORKFLOW_ID_PREFIX}{namespace}/{name}"


class SignalName(StrEnum):
    SPEC_CHANGED = "spec_changed"
    DEPENDENCY_CHANGED = "dependency_changed"
    RESYNC = "resync"
    DELETE = "delete"
    STREAM_REPORT = "stream_report"


class ActivityName(StrEnum):
    VALIDATE = "validate"
    ENSURE_KEY = "ensure_key"
    BOOTSTRAP = "bootstrap"
    SNAPSHOT = "snapshot"
    STREAM = "stream"
    WATCH_SECRET = "watch_secret"  # noqa: S105 - an activity name
    REMIND_KEY_BACKUP = "remind_key_backup"
    PUBLISH_STATUS = "publish_status"


# --- signals: every field has a default (a signal sent without input must decode) ---


class SpecChanged(_Message):
    """The GitTarget was created or its spec changed: re-run every gate from validate."""

    generation: int | None = None
    uid: str | None = None
    """The GitTarget's uid: a re-created target keeps its workflow id but not its uid."""


class DependencyChanged(_Message):
    """Something the target depends on changed (its provider, rules, another target)."""

    cause: str = "a dependency changed"
    rediscover: bool = False
    """The API's resources changed (a CRD): validate must not use discovery from before."""


class Resync(_Message):
    """Re-run the snapshot: make the folder equal to the cluster again."""

    cause: str = "resync requested"


class TargetDeleted(_Message):
    """The GitTarget is being deleted: stop the stream, leave Git as it is, finish."""


# --- plans: what validate resolved, carried to the later gates ---


class ProviderPlan(_Message):
    kind: ProviderKind
    name: str
    url: str
    secret_name: str | None = None
    push_interval_seconds: float = 60.0
    push_max_commits: int = 20


class EncryptionPlan(_Message):
    secret_name: str
    generate_when_missing: bool = False


class TargetPlan(_Message):
    """Everything the writing gates need, resolved by validate for one generation."""

    generation: int
    uid: str
    provider: ProviderPlan
    branch: str
    path: str
    encryption: EncryptionPlan | None = None
    watch: WatchPlan
    writer_id: str
    """The branch writer the target binds to: the remote (without credentials) and branch."""

    def writes_like(self, other: TargetPlan | None) -> bool:
        """True when ``other`` writes the same objects to the same place the same way."""
        return other is not None and self.model_copy(update={"generation": 0}) == (
            other.model_copy(update={"generation": 0})
        )


class SecretRef(_Message):
    """A Secret a gate read, and the resourceVersion it saw (``None``: it was absent)."""

    namespace: str
    name: str
    version: str | None = None


class GateFailureDetail(_Message):
    """Details of a gate's ``ApplicationError``: what a retry is waiting for."""

    secret: SecretRef | None = None
    """A Secret whose change may clear the failure (the lifecycle watches it)."""


# --- gate activities ---


class ValidateInput(_Message):
    target: TargetRef
    discovered_after: datetime | None = None
    """Discovery older than this is stale: a CRD changed then (see ``DependencyChanged``)."""


class ValidateResult(_Message):
    plan: TargetPlan
    branch_exists: bool
    remote_tip: str | None = None
    message: str


class EnsureKeyInput(_Message):
    target: TargetRef
    encryption: EncryptionPlan
    announce: bool = True
    """Emit the one Warning Event of a generated key (False once the lifecycle has)."""


class EnsureKeyResult(_Message):
    secret_name: str
    recipient: str
    recipients_hash: str
    generated: bool
    """Generated by the operator for this target and not backed up yet."""
    secret_version: str | None = None


class BootstrapInput(_Message):
    target: TargetRef
    plan: TargetPlan
    recipient: str | None = None
    operation_id: str


class BootstrapResult(_Message):
    commit: str | None
    changed: bool
    head: str | None = None


class StreamCheckpoint(_Message):
    """Per watch, the resourceVersion up to which every event is pushed."""

    positions: dict[str, str] = Field(default_factory=dict)


class RelistCause(StrEnum):
    """Why a snapshot re-lists the cluster (the ``cause`` of ``gitops_reverser_relists``)."""

    INITIAL = "initial"
    """The target's first snapshot, or one with no stream position to resume from."""
    EXPIRED = "expired"
    """A watch's history expired (410 Gone): the stream cannot resume, so list and diff."""
    RESYNC = "resync"
    """Someone asked for it (the ``resync`` signal); the only cause whose snapshot also
    deletes the files of resources the rules no longer select."""
    PLAN_CHANGED = "plan_changed"
    """The resolved plan writes differently (path, rules, encryption)."""


class SnapshotInput(_Message):
    target: TargetRef
    plan: TargetPlan
    recipient: str | None = None
    operation_id: str
    cause: RelistCause = RelistCause.INITIAL
    epoch: int = 0
    """Orders this snapshot's attempts before every later writer of the folder (its fence)."""


class SnapshotResult(_Message):
    created: int
    updated: int
    deleted: int
    objects: int
    refused_secrets: int = 0
    """Selected Secrets not written because the target has no encryption."""
    commit: str | None
    changed: bool
    checkpoint: StreamCheckpoint


class StreamInput(_Message):
    target: TargetRef
    plan: TargetPlan
    recipient: str | None = None
    start: StreamCheckpoint
    stream_id: str
    """Names this stream in its reports, so reports of a superseded stream are ignored."""
    epoch: int = 0
    """Its fence's epoch: the snapshot's it follows, else one of its own."""


class StreamResult(_Message):
    """Why a stream ended by itself: its watch history expired (410), so re-list."""

    expired: tuple[str, ...] = ()


class StreamReport(_Message):
    """Signal from a running stream to its workflow: state changes at once, stats throttled."""

    stream_id: str = ""
    attempt: int = 0
    """The stream's attempt: a report of an older attempt than the newest seen is ignored."""
    live: bool = False
    reason: GitTargetReason | None = None
    message: str = ""
    checkpoint: StreamCheckpoint | None = None
    last_event_time: datetime | None = None
    last_push_time: datetime | None = None
    last_push_status: PushStatus | None = None
    last_commit: str | None = None
    queued_events: int = 0


class SecretWatchInput(_Message):
    secret: SecretRef
    poll_seconds: float = 2.0


class SecretWatchResult(_Message):
    version: str | None


class BackupReminderInput(_Message):
    target: TargetRef
    secret_name: str


class BackupReminderResult(_Message):
    pending: bool
    """The Secret still carries the backup-warning annotation."""


# --- status publication (served by the bridge) ---


class StatusPublication(_Message):
    target: TargetRef
    uid: str | None
    sequence: int
    status: GitTargetStatus
    transition_time: datetime
    """When the workflow made the transition this status reflects (for the lag metric)."""


class PublicationOutcome(StrEnum):
    PATCHED = "patched"
    UNCHANGED = "unchanged"
    STALE = "stale"
    GONE = "gone"


class PublicationResult(_Message):
    outcome: PublicationOutcome


# --- the workflow itself ---


class Requests(BaseModel):
    """What signals asked for and the lifecycle has not done yet (carried across runs)."""

    model_config = ConfigDict(extra="forbid")

    full_pass: bool = False
    resync: bool = False
    delete: bool = False
    discovered_after: datetime | None = None


class CarriedState(_Message):
    """What a run hands to the next on continue-as-new."""

    status: GitTargetStatus
    sequence: int
    requests: Requests
    plan: TargetPlan | None = None
    checkpoint: StreamCheckpoint | None = None
    key_announced: bool = False
    streams_started: int = 0


class LifecycleInput(_Message):
    target: TargetRef
    status_task_queue: str
    """The bridge's task queue, where ``publish_status`` runs."""
    uid: str | None = None
    carried: CarriedState | None = None


class LifecycleResult(_Message):
    deleted: bool
