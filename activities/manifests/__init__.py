"""Manifests: sanitising live objects, rendering them, and the repository file layout.

Pure functions only: no network, no file system, no git. Secrets become file bytes
only through ``render_secret`` (sanitise, then SOPS-encrypt).
"""

from __future__ import annotations

from activities.manifests.errors import (
    InvalidObject,
    ManifestError,
    PlaintextSecretRefused,
)
from activities.manifests.guard import (
    LAST_APPLIED_ANNOTATION,
    refuse_plaintext_secret,
    refuse_secret_value_leaks,
)
from activities.manifests.layout import (
    BOOTSTRAP_FILES,
    ObjectId,
    is_object_file,
    is_secret_path,
    normalise_target_path,
    object_folders_for_path,
    object_id_for_path,
    object_path,
)
from activities.manifests.noise import is_noise
from activities.manifests.render import is_secret, render, render_secret
from activities.manifests.sanitise import api_group, is_replica, sanitise

__all__ = [
    "BOOTSTRAP_FILES",
    "LAST_APPLIED_ANNOTATION",
    "InvalidObject",
    "ManifestError",
    "ObjectId",
    "PlaintextSecretRefused",
    "api_group",
    "is_noise",
    "is_object_file",
    "is_replica",
    "is_secret",
    "is_secret_path",
    "normalise_target_path",
    "object_folders_for_path",
    "object_id_for_path",
    "object_path",
    "refuse_plaintext_secret",
    "refuse_secret_value_leaks",
    "render",
    "render_secret",
    "sanitise",
]
