"""The status vocabulary of the configbutler.ai API: condition types, reasons, phases.

Every condition type, reason, phase and status value written to a custom resource is a
member of a StrEnum in this module, so a typo is a type error instead of a silent new
state. The CRD schemas enumerate the same values (a unit test keeps them in step), so
the API server also rejects a status that uses a value not listed here.

Pure vocabulary: no condition math, no phase derivation, no I/O.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "GIT_FAILURE_REASONS",
    "REASONS_BY_CONDITION",
    "RETRYABLE_REASONS",
    "BootstrapReason",
    "ConditionStatus",
    "ConditionType",
    "EncryptionReason",
    "GateReason",
    "GitFailureReason",
    "GitTargetReason",
    "LifecycleReason",
    "ManifestFailureReason",
    "Phase",
    "ProviderReason",
    "PushStatus",
    "ReadyReason",
    "RuleReason",
    "SnapshotReason",
    "StreamReason",
    "StreamStatus",
    "ValidatedReason",
]


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class ConditionType(StrEnum):
    """GitTarget gates in pipeline order, then the summary. Other kinds use only READY."""

    VALIDATED = "Validated"
    ENCRYPTION_CONFIGURED = "EncryptionConfigured"
    BOOTSTRAPPED = "Bootstrapped"
    SNAPSHOT_SYNCED = "SnapshotSynced"
    EVENT_STREAM_LIVE = "EventStreamLive"
    READY = "Ready"


class GateReason(StrEnum):
    """Reasons of a gate that has not produced a verdict yet (status Unknown)."""

    NOT_CHECKED = "NotChecked"
    """The gate has not been evaluated for the current generation yet."""
    BLOCKED = "Blocked"
    """An earlier gate is not True, so this one is not evaluated."""


class ValidatedReason(StrEnum):
    """Validated: the provider resolves, the branch is allowed, and the credentials can write."""

    ACCESS_VERIFIED = "AccessVerified"
    PROVIDER_NOT_FOUND = "ProviderNotFound"
    PROVIDER_INVALID = "ProviderInvalid"
    """The provider exists but cannot be used (e.g. a Flux GitRepository without spec.url)."""
    BRANCH_NOT_ALLOWED = "BranchNotAllowed"
    TARGET_CONFLICT = "TargetConflict"
    """Another GitTarget already writes the same provider, branch and path."""
    CREDENTIALS_NOT_FOUND = "CredentialsNotFound"
    AUTHENTICATION_FAILED = "AuthenticationFailed"
    WRITE_ACCESS_DENIED = "WriteAccessDenied"
    """The credentials can read but not push (e.g. a read-only deploy key)."""
    REMOTE_UNREACHABLE = "RemoteUnreachable"


class EncryptionReason(StrEnum):
    """EncryptionConfigured: an age identity is available for SOPS, or none is needed."""

    NOT_REQUIRED = "NotRequired"
    """The target has no spec.encryption; Secrets selected by its rules are refused."""
    KEY_AVAILABLE = "KeyAvailable"
    KEY_GENERATED = "KeyGenerated"
    ENCRYPTION_SECRET_MISSING = "EncryptionSecretMissing"  # noqa: S105 (a reason name)
    ENCRYPTION_SECRET_INVALID = "EncryptionSecretInvalid"  # noqa: S105 (a reason name)
    ENCRYPTION_SECRET_CREATE_FAILED = "EncryptionSecretCreateFailed"  # noqa: S105 (a reason name)


class BootstrapReason(StrEnum):
    """Bootstrapped: a branch writer owns the target and its folder exists in Git."""

    PATH_INITIALIZED = "PathInitialized"
    WORKER_NOT_FOUND = "WorkerNotFound"
    BOOTSTRAP_FAILED = "BootstrapFailed"


class SnapshotReason(StrEnum):
    """SnapshotSynced: every selected object is in Git and nothing else is."""

    RUNNING = "Running"
    COMPLETED = "Completed"
    SNAPSHOT_FAILED = "SnapshotFailed"


class StreamReason(StrEnum):
    """EventStreamLive: the watches are open and the branch writer accepts their events."""

    REGISTERED = "Registered"
    REGISTRATION_FAILED = "RegistrationFailed"
    DISCONNECTED = "Disconnected"


class GitFailureReason(StrEnum):
    """Why talking to the target's remote or writing its branch failed.

    Not one gate's own: Validated, Bootstrapped, SnapshotSynced and EventStreamLive
    all reach the remote, so any of them may be False with one of these (and Ready
    copies it); the failing condition's type says which gate it was. The git
    layer's errors carry them. Causes Validated already names keep that name
    (see ``GIT_FAILURE_REASONS``).
    """

    HOST_KEY_UNKNOWN = "HostKeyUnknown"
    """known_hosts has no key for the SSH host; host keys are always checked strictly."""
    HOST_KEY_MISMATCH = "HostKeyMismatch"
    """The SSH server presented a key other than the one known_hosts lists for it."""
    CERTIFICATE_UNTRUSTED = "CertificateUntrusted"
    """The HTTPS server's TLS certificate does not verify."""
    REPOSITORY_NOT_FOUND = "RepositoryNotFound"
    CREDENTIALS_INVALID = "CredentialsInvalid"
    """The credentials Secret lacks what the URL's transport needs, or it is malformed."""
    PUSH_REJECTED = "PushRejected"
    """The remote refused the update for a reason other than having moved (a hook, a rule)."""
    CONFLICT_RETRIES_EXHAUSTED = "ConflictRetriesExhausted"
    """Someone else pushed during every retry; later attempts may succeed."""
    PATH_OUTSIDE_TARGET = "PathOutsideTarget"
    GIT_OPERATION_FAILED = "GitOperationFailed"
    """libgit2 failed in a way none of the other reasons describe."""


class ManifestFailureReason(StrEnum):
    """Why a selected object could not become a file: SnapshotSynced and EventStreamLive."""

    INVALID_OBJECT = "InvalidObject"
    PLAINTEXT_SECRET_REFUSED = "PlaintextSecretRefused"  # noqa: S105 (a reason name)
    """A Secret reached Git without SOPS encryption; it is never written."""


class LifecycleReason(StrEnum):
    """Why any gate failed for a cause outside its own domain; every gate may carry them."""

    KUBERNETES_API_FAILED = "KubernetesAPIFailed"
    """The Kubernetes API failed or refused a request the gate needed; retried with backoff."""
    INTERNAL_ERROR = "InternalError"
    """The gate failed unexpectedly; retried with backoff, and the worker log has the cause."""


class ReadyReason(StrEnum):
    """Ready when every gate is True; otherwise Ready carries the first failing gate's reason."""

    RECONCILED = "Reconciled"


GitTargetReason = (
    GateReason
    | ValidatedReason
    | EncryptionReason
    | BootstrapReason
    | SnapshotReason
    | StreamReason
    | ReadyReason
    | GitFailureReason
    | ManifestFailureReason
    | LifecycleReason
)
"""Any reason a GitTarget condition may carry."""


GIT_FAILURE_REASONS: frozenset[str] = frozenset(GitFailureReason) | {
    ValidatedReason.AUTHENTICATION_FAILED,
    ValidatedReason.WRITE_ACCESS_DENIED,
    ValidatedReason.REMOTE_UNREACHABLE,
}
"""Every reason a failed git operation may give any gate that talks to the remote."""

# Not evaluated yet, or failed for a cause outside the gate: possible for every gate.
_EVERY_GATE = frozenset(GateReason) | frozenset(LifecycleReason)
_OBJECT_WRITING = GIT_FAILURE_REASONS | frozenset(ManifestFailureReason)

REASONS_BY_CONDITION: dict[ConditionType, frozenset[str]] = {
    ConditionType.VALIDATED: _EVERY_GATE | frozenset(ValidatedReason) | GIT_FAILURE_REASONS,
    ConditionType.ENCRYPTION_CONFIGURED: _EVERY_GATE | frozenset(EncryptionReason),
    ConditionType.BOOTSTRAPPED: _EVERY_GATE | frozenset(BootstrapReason) | GIT_FAILURE_REASONS,
    ConditionType.SNAPSHOT_SYNCED: _EVERY_GATE | frozenset(SnapshotReason) | _OBJECT_WRITING,
    ConditionType.EVENT_STREAM_LIVE: _EVERY_GATE | frozenset(StreamReason) | _OBJECT_WRITING,
    ConditionType.READY: (
        frozenset(ReadyReason)
        | _EVERY_GATE
        | frozenset(ValidatedReason)
        | frozenset(EncryptionReason)
        | frozenset(BootstrapReason)
        | frozenset(SnapshotReason)
        | frozenset(StreamReason)
        | _OBJECT_WRITING
    ),
}
"""Which reasons each GitTarget condition type may carry (Ready mirrors any gate's)."""


RETRYABLE_REASONS: frozenset[str] = frozenset(
    {
        ValidatedReason.REMOTE_UNREACHABLE,
        EncryptionReason.ENCRYPTION_SECRET_CREATE_FAILED,
        BootstrapReason.WORKER_NOT_FOUND,
        BootstrapReason.BOOTSTRAP_FAILED,
        SnapshotReason.SNAPSHOT_FAILED,
        StreamReason.REGISTRATION_FAILED,
        StreamReason.DISCONNECTED,
        GitFailureReason.CONFLICT_RETRIES_EXHAUSTED,
        GitFailureReason.GIT_OPERATION_FAILED,
        *LifecycleReason,
    }
)
"""Failure reasons that retrying can clear by itself (phase DEGRADED, retried with backoff).

Every other failure reason stalls (phase ERROR): only a change of the spec or of the
objects it references helps, so the lifecycle waits for one instead of retrying hot.
"""


class Phase(StrEnum):
    """A one-word summary of a GitTarget for people; automation reads conditions instead."""

    PENDING = "PENDING"
    """Not validated yet and nothing has failed."""
    BOOTSTRAPPING = "BOOTSTRAPPING"
    """Validated; the key and the target folder are being prepared."""
    SYNCING = "SYNCING"
    """Bootstrapped; a full snapshot is being written."""
    RUNNING = "RUNNING"
    """Ready: live changes become commits."""
    DEGRADED = "DEGRADED"
    """A gate failed for a reason that retries clear (network, remote, watch); retrying."""
    ERROR = "ERROR"
    """A gate failed for good; only a change of spec or of the referenced objects helps."""


class StreamStatus(StrEnum):
    """GitTarget status.stream.status: the state of the target's live watches."""

    REGISTERED = "Registered"
    LIVE = "Live"
    DISCONNECTED = "Disconnected"
    STOPPED = "Stopped"


class PushStatus(StrEnum):
    """GitTarget status.stream.lastPushStatus: how the most recent push ended."""

    SUCCEEDED = "Succeeded"
    REJECTED = "Rejected"
    """The remote moved on; the writer rebases its pending files and retries."""
    FAILED = "Failed"


class ProviderReason(StrEnum):
    """GitProvider Ready: the provider's credentials Secret (if any) exists."""

    ACCEPTED = "Accepted"
    CREDENTIALS_NOT_FOUND = "CredentialsNotFound"


class RuleReason(StrEnum):
    """WatchRule and ClusterWatchRule Ready: the referenced GitTarget exists."""

    ACCEPTED = "Accepted"
    TARGET_NOT_FOUND = "TargetNotFound"
