"""Typed errors of the manifest layer, each with a reason the lifecycle reports as-is.

The reasons are members of the API's status vocabulary (``workflows.api.conditions``),
which the GitTarget CRD allows for the gates that write objects.

Only declares errors; raises nothing itself and does no I/O.
"""

from __future__ import annotations

from typing import ClassVar

from workflows.api.conditions import ManifestFailureReason

__all__ = ["InvalidObject", "ManifestError", "PlaintextSecretRefused"]


class ManifestError(ValueError):
    """An object that cannot be written as it is; retrying the same input cannot help."""

    reason: ClassVar[ManifestFailureReason]


class InvalidObject(ManifestError):
    """The object lacks what identifies it (apiVersion, kind, metadata.name) or is malformed."""

    reason = ManifestFailureReason.INVALID_OBJECT


class PlaintextSecretRefused(ManifestError):
    """A Secret reached a plaintext writer; it must be SOPS-encrypted first."""

    reason = ManifestFailureReason.PLAINTEXT_SECRET_REFUSED
