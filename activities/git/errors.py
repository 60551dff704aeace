"""Typed errors of the git layer: each carries the reason the lifecycle reports and its kind.

``retryable`` says whether trying the same thing later can succeed without anyone
changing the spec or the credentials (network trouble, a remote that keeps moving)
or not (wrong credentials, unknown host key, missing repository, a policy).
Messages name what failed, never key material, tokens or passwords.

Only declares errors; no I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

__all__ = [
    "AuthenticationFailed",
    "BranchNotAllowed",
    "ConflictRetriesExhausted",
    "CredentialsInvalid",
    "GitError",
    "GitErrorReason",
    "GitOperationFailed",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "NetworkError",
    "PathOutsideTarget",
    "PushRejected",
    "RepositoryNotFound",
]


class GitErrorReason(StrEnum):
    """Reasons a git operation failed, spelled as condition reasons."""

    AUTHENTICATION_FAILED = "AuthenticationFailed"
    HOST_KEY_UNKNOWN = "HostKeyUnknown"
    HOST_KEY_MISMATCH = "HostKeyMismatch"
    REPOSITORY_NOT_FOUND = "RepositoryNotFound"
    NETWORK_ERROR = "NetworkError"
    PUSH_REJECTED = "PushRejected"
    CONFLICT_RETRIES_EXHAUSTED = "ConflictRetriesExhausted"
    CREDENTIALS_INVALID = "CredentialsInvalid"
    BRANCH_NOT_ALLOWED = "BranchNotAllowed"
    PATH_OUTSIDE_TARGET = "PathOutsideTarget"
    GIT_OPERATION_FAILED = "GitOperationFailed"


class GitError(Exception):
    """Base of every error this package raises on purpose."""

    reason: ClassVar[GitErrorReason]
    retryable: ClassVar[bool]


class AuthenticationFailed(GitError):
    """The remote refused the credentials, or they may read but not write."""

    reason = GitErrorReason.AUTHENTICATION_FAILED
    retryable = False


class HostKeyUnknown(GitError):
    """known_hosts has no entry for the SSH host: strict checking refuses to connect."""

    reason = GitErrorReason.HOST_KEY_UNKNOWN
    retryable = False


class HostKeyMismatch(GitError):
    """known_hosts lists the SSH host with a different key than the server presented."""

    reason = GitErrorReason.HOST_KEY_MISMATCH
    retryable = False


class RepositoryNotFound(GitError):
    """No repository at the URL (or the credentials may not see it)."""

    reason = GitErrorReason.REPOSITORY_NOT_FOUND
    retryable = False


class NetworkError(GitError):
    """The remote could not be reached or the connection broke; later may work."""

    reason = GitErrorReason.NETWORK_ERROR
    retryable = True


class PushRejected(GitError):
    """The remote refused the update for a reason other than having moved (hook, protection)."""

    reason = GitErrorReason.PUSH_REJECTED
    retryable = False


class ConflictRetriesExhausted(GitError):
    """The remote kept moving: every re-apply on the new tip was overtaken again."""

    reason = GitErrorReason.CONFLICT_RETRIES_EXHAUSTED
    retryable = True


class CredentialsInvalid(GitError):
    """The credential Secret's data does not have the shape the URL's transport needs."""

    reason = GitErrorReason.CREDENTIALS_INVALID
    retryable = False


class BranchNotAllowed(GitError):
    """The branch is not a valid branch name or matches none of the allowed patterns."""

    reason = GitErrorReason.BRANCH_NOT_ALLOWED
    retryable = False


class PathOutsideTarget(GitError):
    """A file of a snapshot lies outside the target path or outside the object layout."""

    reason = GitErrorReason.PATH_OUTSIDE_TARGET
    retryable = False


class GitOperationFailed(GitError):
    """libgit2 failed in a way none of the other reasons describe."""

    reason = GitErrorReason.GIT_OPERATION_FAILED
    retryable = True
