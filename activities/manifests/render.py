"""The bytes of a plaintext manifest file.

Renders every object except core Secrets, which must go through SOPS
encryption (``activities.sops``) and are refused here so that no code path can
write one in plaintext by accident. No I/O: returns bytes, writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from activities import yamlio
from activities.manifests.errors import PlaintextSecretRefused
from activities.manifests.sanitise import api_group, sanitise

__all__ = ["is_secret", "render"]


def is_secret(obj: Mapping[str, Any]) -> bool:
    """True for a core ``v1`` Secret, the one kind that is only ever written encrypted."""
    return obj.get("kind") == "Secret" and api_group(str(obj.get("apiVersion", ""))) == ""


def render(obj: Mapping[str, Any]) -> bytes:
    """Sanitise ``obj`` and serialise it as deterministic YAML (UTF-8)."""
    if is_secret(obj):
        name = (obj.get("metadata") or {}).get("name")
        raise PlaintextSecretRefused(f"Secret {name!r} must be SOPS-encrypted, not rendered")
    return yamlio.dump(sanitise(obj)).encode()
