"""Typed errors of the git layer: each carries the reason the lifecycle reports and its kind.

Reasons come from the API's single status vocabulary (``workflows.api.conditions``):
the CRD allows exactly those, so a gate can put ``error.reason`` on its condition as is.

``retryable`` says whether trying the same thing later can succeed without anyone
changing the spec or the credentials (network trouble, a remote that keeps moving)
or not (wrong credentials, unknown host key, missing repository, a policy).
Messages name what failed, never key material, tokens or passwords.

``WriterCancelled`` is no ``GitError``: nothing failed, the caller asked the
writer to stop, so it carries no reason for a condition.

Only declares errors; no I/O.
"""

from __future__ import annotations

from typing import ClassVar

from workflows.api.conditions import GitFailureReason, ValidatedReason

__all__ = [
    "AuthenticationFailed",
    "BranchNotAllowed",
    "CertificateUntrusted",
    "ConflictRetriesExhausted",
    "CredentialsInvalid",
    "GitError",
    "GitOperationFailed",
    "HostKeyMismatch",
    "HostKeyUnknown",
    "NetworkError",
    "PathOutsideTarget",
    "PushRejected",
    "RepositoryNotFound",
    "WriteAccessDenied",
    "WriterCancelled",
]


class GitError(Exception):
    """Base of every error this package raises on purpose."""

    reason: ClassVar[GitFailureReason | ValidatedReason]
    retryable: ClassVar[bool]


class AuthenticationFailed(GitError):
    """The remote refused the credentials.

    A push refused to credentials that may read reads this way too: only the
    write-access check (``check_write_access``) tells that case apart.
    """

    reason = ValidatedReason.AUTHENTICATION_FAILED
    retryable = False


class WriteAccessDenied(GitError):
    """The credentials may read the repository, but the remote refuses them a push."""

    reason = ValidatedReason.WRITE_ACCESS_DENIED
    retryable = False


class HostKeyUnknown(GitError):
    """known_hosts has no entry for the SSH host: strict checking refuses to connect."""

    reason = GitFailureReason.HOST_KEY_UNKNOWN
    retryable = False


class HostKeyMismatch(GitError):
    """known_hosts lists the SSH host with a different key than the server presented."""

    reason = GitFailureReason.HOST_KEY_MISMATCH
    retryable = False


class CertificateUntrusted(GitError):
    """The HTTPS server's TLS certificate does not verify against the trusted authorities."""

    reason = GitFailureReason.CERTIFICATE_UNTRUSTED
    retryable = False


class RepositoryNotFound(GitError):
    """No repository at the URL (or the credentials may not see it)."""

    reason = GitFailureReason.REPOSITORY_NOT_FOUND
    retryable = False


class NetworkError(GitError):
    """The remote could not be reached or the connection broke; later may work."""

    reason = ValidatedReason.REMOTE_UNREACHABLE
    retryable = True


class PushRejected(GitError):
    """The remote refused the update for a reason other than having moved (hook, protection)."""

    reason = GitFailureReason.PUSH_REJECTED
    retryable = False


class ConflictRetriesExhausted(GitError):
    """The remote kept moving: every immediate re-apply on the new tip was overtaken again.

    Retryable: waiting before the next try is the caller's retry policy's job.
    """

    reason = GitFailureReason.CONFLICT_RETRIES_EXHAUSTED
    retryable = True


class CredentialsInvalid(GitError):
    """The credential Secret's data does not have the shape the URL's transport needs."""

    reason = GitFailureReason.CREDENTIALS_INVALID
    retryable = False


class BranchNotAllowed(GitError):
    """The branch is not a valid branch name or matches none of the allowed patterns."""

    reason = ValidatedReason.BRANCH_NOT_ALLOWED
    retryable = False


class PathOutsideTarget(GitError):
    """A file of a snapshot lies outside the target path or outside the object layout."""

    reason = GitFailureReason.PATH_OUTSIDE_TARGET
    retryable = False


class GitOperationFailed(GitError):
    """libgit2 failed in a way none of the other reasons describe."""

    reason = GitFailureReason.GIT_OPERATION_FAILED
    retryable = True


class WriterCancelled(Exception):
    """The caller's cancel event was set before a push: nothing was pushed, changes stay pending."""
