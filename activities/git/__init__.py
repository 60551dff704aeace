"""Git writing: credentials, transports, the branch writer and snapshots.

All git I/O of the project lives here. It knows nothing of Temporal or
Kubernetes objects: callers hand it file states (bytes) and get typed results
or typed errors back.
"""

from __future__ import annotations

from activities.git.batching import BatchPolicy
from activities.git.branch_writer import BranchWriter, Committer, ConflictPolicy, WriterConfig
from activities.git.branches import ensure_branch_allowed
from activities.git.changes import (
    AppliedChange,
    Change,
    CommitMode,
    FileCounts,
    FileState,
    FoundOperation,
    Listing,
    PushResult,
)
from activities.git.credentials import (
    Credentials,
    HttpCredentials,
    SshCredentials,
    credentials_from_secret,
)
from activities.git.errors import (
    AuthenticationFailed,
    BranchNotAllowed,
    CertificateUntrusted,
    ConflictRetriesExhausted,
    CredentialsInvalid,
    GitError,
    GitOperationFailed,
    HostKeyMismatch,
    HostKeyUnknown,
    NetworkError,
    PathOutsideTarget,
    PushRejected,
    RepositoryNotFound,
    WriteAccessDenied,
    WriterCancelled,
)
from activities.git.fence import Claim, Fence, Stage, Superseded
from activities.git.messages import Operation, describe
from activities.git.registry import BranchWriters
from activities.git.snapshot import SnapshotRequest, SnapshotResult, snapshot
from activities.git.transport import WriteAccess, check_write_access

__all__ = [
    "AppliedChange",
    "AuthenticationFailed",
    "BatchPolicy",
    "BranchNotAllowed",
    "BranchWriter",
    "BranchWriters",
    "CertificateUntrusted",
    "Change",
    "Claim",
    "CommitMode",
    "Committer",
    "ConflictPolicy",
    "ConflictRetriesExhausted",
    "Credentials",
    "CredentialsInvalid",
    "Fence",
    "FileCounts",
    "FileState",
    "FoundOperation",
    "GitError",
    "GitOperationFailed",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "HttpCredentials",
    "Listing",
    "NetworkError",
    "Operation",
    "PathOutsideTarget",
    "PushRejected",
    "PushResult",
    "RepositoryNotFound",
    "SnapshotRequest",
    "SnapshotResult",
    "SshCredentials",
    "Stage",
    "Superseded",
    "WriteAccess",
    "WriteAccessDenied",
    "WriterCancelled",
    "WriterConfig",
    "check_write_access",
    "credentials_from_secret",
    "describe",
    "ensure_branch_allowed",
    "snapshot",
]
