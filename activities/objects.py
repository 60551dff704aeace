"""From one live object to the file state a target's folder must hold for it.

Shared by the snapshot and the stream, so both write an object the same way: where it
goes (the layout), its bytes (sanitised YAML, or SOPS for a core Secret, keeping the
existing file when it already holds the same Secret), or why it is not written: a
Reflector copy (its source is mirrored already), noise nobody wants (see
``activities.manifests.noise``), a Secret of a target without
encryption (refused, never written in plaintext), or the target's own key Secret.

Each written file carries its source version (uid and resourceVersion, and for a
Secret the recipients): the API server gives an object a new resourceVersion on every
change, so the same version always renders to the same bytes. Given the versions a
writer already holds (``known``), an object whose version is among them is not
rendered again: its ``ObjectFile`` carries the version and no bytes.

Pure decisions over the manifest and SOPS libraries; reads an existing file only
through the ``existing`` callable it is given.
"""

from __future__ import annotations

import hashlib
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

__all__ = ["Encryption", "ObjectFile", "Skip", "object_file", "path_of", "source_version"]


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
    """The file's bytes; ``None`` when the object is skipped (see ``skip``) or its version
    is known already (``skip`` is ``None``: the file holds the bytes of ``version``)."""
    skip: Skip | None = None
    version: str | None = None
    """The source version of the file; ``None`` for a skipped object or one without one."""


def path_of(obj: Mapping[str, Any], resource: str, target_path: str) -> str:
    """Where the object served as ``resource`` (a plural) lives under ``target_path``."""
    return object_path(target_path, ObjectId.of(obj, resource))


def source_version(obj: Mapping[str, Any], encryption: Encryption | None) -> str | None:
    """What the bytes of ``obj``'s file are made of; ``None`` without uid or resourceVersion."""
    metadata = obj.get("metadata") or {}
    uid, resource_version = metadata.get("uid"), metadata.get("resourceVersion")
    if not uid or not resource_version:
        return None
    if encryption is None or not is_secret(obj):
        return f"{uid}/{resource_version}"
    recipients = hashlib.sha256("\n".join(sorted(encryption.recipients)).encode()).hexdigest()
    return f"{uid}/{resource_version}/{recipients[:16]}"


def object_file(
    obj: Mapping[str, Any],
    resource: str,
    target_path: str,
    encryption: Encryption | None,
    existing: Callable[[str], bytes | None],
    known: Mapping[str, str] | None = None,
) -> ObjectFile:
    """The file of ``obj`` under ``target_path``, or why it is skipped.

    ``known`` maps paths to the source versions whose bytes the caller's writer holds:
    a file of such a version is not rendered (its ``content`` is ``None``).
    """
    path = path_of(obj, resource, target_path)
    skip = _skip(obj, encryption)
    if skip is not None:
        return ObjectFile(path, None, skip)
    version = source_version(obj, encryption)
    if version is not None and known is not None and known.get(path) == version:
        return ObjectFile(path, None, version=version)
    if encryption is None or not is_secret(obj):
        return ObjectFile(path, render(obj), version=version)
    content = render_secret(
        obj, encryption.recipients, identity=encryption.identity, existing=existing(path)
    )
    return ObjectFile(path, content, version=version)


def _skip(obj: Mapping[str, Any], encryption: Encryption | None) -> Skip | None:
    if is_replica(obj):
        return Skip.REPLICA
    if is_noise(obj):
        return Skip.NOISE
    if not is_secret(obj):
        return None
    if encryption is None:
        return Skip.SECRET_REFUSED
    metadata = obj.get("metadata") or {}
    if (metadata.get("namespace"), metadata.get("name")) == encryption.key_secret:
        return Skip.OWN_KEY
    return None
