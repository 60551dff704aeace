"""From one live object to the file state a target's folder must hold for it.

Shared by the snapshot and the stream, so both write an object the same way: where it
goes (the layout), its bytes (sanitised YAML, or SOPS for a core Secret, keeping the
existing file when it already holds the same Secret), or why it is not written: a
Reflector copy (its source is mirrored already), noise nobody wants (see
``activities.manifests.noise``), a Secret of a target without
encryption (refused, never written in plaintext), or the target's own key Secret.

Pure decisions over the manifest and SOPS libraries; reads an existing file only
through the ``existing`` callable it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from activities.manifests import (
    ObjectId,
    is_noise,
    is_replica,
    is_secret,
    object_path,
    render,
    render_secret,
)
from activities.sops import AgeIdentity

__all__ = ["Encryption", "ObjectFile", "Skip", "object_file", "path_of"]


@dataclass(frozen=True)
class Encryption:
    """The target's key: who files are encrypted for, and the identity to compare with."""

    identity: AgeIdentity = field(repr=False)
    recipients: tuple[str, ...]
    key_secret: tuple[str, str]
    """Namespace and name of the Secret holding the identity (never mirrored)."""


class Skip(StrEnum):
    REPLICA = "replica"
    """A copy made by Reflector: its source object is mirrored instead."""
    SECRET_REFUSED = "secret-refused"  # noqa: S105 - a skip kind, not a password
    """A Secret of a target without encryption: never written in plaintext."""
    OWN_KEY = "own-key"
    """The target's own age key Secret: a copy encrypted for itself helps nobody."""
    NOISE = "noise"
    """An object nobody wants in Git (``activities.manifests.noise``)."""


@dataclass(frozen=True)
class ObjectFile:
    path: str
    content: bytes | None = field(repr=False)
    """The file's bytes; ``None`` when the object is not written (see ``skip``)."""
    skip: Skip | None = None


def path_of(obj: Mapping[str, Any], resource: str, target_path: str) -> str:
    """Where the object served as ``resource`` (a plural) lives under ``target_path``."""
    return object_path(target_path, ObjectId.of(dict(obj), resource))


def object_file(
    obj: Mapping[str, Any],
    resource: str,
    target_path: str,
    encryption: Encryption | None,
    existing: Callable[[str], bytes | None],
) -> ObjectFile:
    """The file of ``obj`` under ``target_path``, or why it is skipped."""
    path = path_of(obj, resource, target_path)
    if is_replica(obj):
        return ObjectFile(path, None, Skip.REPLICA)
    if is_noise(obj):
        return ObjectFile(path, None, Skip.NOISE)
    if not is_secret(obj):
        return ObjectFile(path, render(obj))
    if encryption is None:
        return ObjectFile(path, None, Skip.SECRET_REFUSED)
    metadata = obj.get("metadata") or {}
    if (metadata.get("namespace"), metadata.get("name")) == encryption.key_secret:
        return ObjectFile(path, None, Skip.OWN_KEY)
    content = render_secret(
        obj, encryption.recipients, identity=encryption.identity, existing=existing(path)
    )
    return ObjectFile(path, content)
