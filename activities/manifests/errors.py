"""Typed errors of the manifest layer, each with a reason the lifecycle reports as-is.

Only declares errors; raises nothing itself and does no I/O.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

__all__ = ["InvalidObject", "ManifestError", "ManifestErrorReason", "PlaintextSecretRefused"]


class ManifestErrorReason(StrEnum):
    """Why an object could not become a file."""

    INVALID_OBJECT = "InvalidObject"
    PLAINTEXT_SECRET_REFUSED = "PlaintextSecretRefused"  # noqa: S105 - a reason, not a secret


class ManifestError(ValueError):
    """An object that cannot be written as it is; retrying the same input cannot help."""

    reason: ClassVar[ManifestErrorReason]


class InvalidObject(ManifestError):
    """The object lacks what identifies it (apiVersion, kind, metadata.name) or is malformed."""

    reason = ManifestErrorReason.INVALID_OBJECT


class PlaintextSecretRefused(ManifestError):
    """A Secret reached a plaintext writer; it must be SOPS-encrypted first."""

    reason = ManifestErrorReason.PLAINTEXT_SECRET_REFUSED
