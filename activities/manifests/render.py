"""The bytes of a manifest file: plaintext YAML, or SOPS YAML for a core Secret.

:func:`render` writes every object except core Secrets, which it refuses, so that no
code path can write one in plaintext by accident. :func:`render_secret` is the only
way a live Secret becomes file bytes: sanitised first (which drops the
last-applied annotation that copies the whole Secret into metadata, and puts keys in
canonical order), checked for values left in its readable part, then encrypted, or
the existing file kept when it already holds the same Secret.

No I/O: returns bytes, writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from activities import yamlio
from activities.manifests.errors import InvalidObject, PlaintextSecretRefused
from activities.manifests.guard import is_secret, refuse_secret_value_leaks
from activities.manifests.sanitise import sanitise
from activities.sops import AgeIdentity, encrypt_unless_unchanged

__all__ = ["is_secret", "render", "render_secret"]


def render(obj: Mapping[str, Any]) -> bytes:
    """Sanitise ``obj`` and serialise it as deterministic YAML (UTF-8)."""
    if is_secret(obj):
        name = (obj.get("metadata") or {}).get("name")
        raise PlaintextSecretRefused(f"Secret {name!r} must be SOPS-encrypted, not rendered")
    return yamlio.dump(sanitise(obj)).encode()


def render_secret(
    obj: Mapping[str, Any],
    recipients: Sequence[str],
    *,
    identity: AgeIdentity,
    existing: bytes | None,
) -> bytes:
    """The SOPS file of the live Secret ``obj``; ``existing`` itself when it holds the same.

    ``identity`` is the target's own key, used only to open ``existing`` for the
    comparison; ``recipients`` are who can open the result. Because the plaintext is
    sanitised (canonical key order) before it is compared, the same Secret keeps its
    file whatever order the API server or a client served its keys in.
    """
    if not is_secret(obj):
        raise InvalidObject(f"{obj.get('apiVersion')} {obj.get('kind')} is not a core Secret")
    manifest = sanitise(obj)
    refuse_secret_value_leaks(manifest)
    encrypted = encrypt_unless_unchanged(
        manifest, recipients, identity=identity, existing=_text(existing)
    )
    return encrypted.text.encode()


def _text(existing: bytes | None) -> str | None:
    """The existing file as text; bytes that are not UTF-8 cannot be ours, so replace them."""
    if existing is None:
        return None
    try:
        return existing.decode("utf-8")
    except UnicodeDecodeError:
        return None
