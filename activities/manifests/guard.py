"""Last line of defence: Secret plaintext never reaches Git readable.

Two checks, one on each side of encryption. :func:`refuse_secret_value_leaks` looks at
a sanitised Secret before it is encrypted, while its values are still known, and
refuses one whose readable part (everything that stays plaintext: metadata, type)
still carries them. :func:`refuse_plaintext_secret` looks at the bytes about to be
committed: a Secret file must be a SOPS document whose payload leaves are all
encrypted, without the apply annotation that copies a whole Secret into metadata.

Checks only: it encrypts nothing, writes nothing and never puts a value into a message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from typing import Any

from ruamel.yaml.error import YAMLError

from activities import yamlio
from activities.manifests.errors import PlaintextSecretRefused
from activities.manifests.layout import is_secret_path

__all__ = ["LAST_APPLIED_ANNOTATION", "refuse_plaintext_secret", "refuse_secret_value_leaks"]

LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
"""``kubectl apply`` keeps the whole applied object here, a Secret's values included."""

_SOPS_SUFFIX = ".sops.yaml"
_PAYLOAD_KEYS = ("data", "stringData")
_ENCRYPTED_PREFIX = "ENC[AES256_GCM,"
_IDENTITY_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
# Values shorter than this coincide with ordinary label and annotation text (ports,
# "true"), so matching them would refuse healthy Secrets without pointing at a leak.
_MIN_LEAK_LENGTH = 6


def refuse_plaintext_secret(path: str, content: bytes) -> None:
    """Raise ``PlaintextSecretRefused`` unless a Secret path holds a fully encrypted file."""
    if not is_secret_path(path):
        return
    if not path.endswith(_SOPS_SUFFIX):
        raise PlaintextSecretRefused(f"{path} is a Secret file without the {_SOPS_SUFFIX} suffix")
    if LAST_APPLIED_ANNOTATION.encode() in content:
        raise PlaintextSecretRefused(f"{path} carries {LAST_APPLIED_ANNOTATION} in plaintext")
    document = _parse(path, content)
    if not isinstance(document.get("sops"), dict):
        raise PlaintextSecretRefused(f"{path} is a Secret file without a sops block")
    for key in _PAYLOAD_KEYS:
        for name, value in _leaves(document.get(key)):
            if value not in (None, "") and not _is_encrypted(value):
                raise PlaintextSecretRefused(f"{path}: {key}.{name} is not encrypted")


def refuse_secret_value_leaks(manifest: Mapping[str, Any]) -> None:
    """Raise ``PlaintextSecretRefused`` when a Secret's readable part carries its values.

    ``manifest`` is the Secret as it will be encrypted: ``data`` (base64) and
    ``stringData`` are encrypted, every other field stays readable. Refused: the
    last-applied annotation, and any readable string (a label, an annotation, ``type``
    or any other field) that contains one of the Secret's values as written in the
    Secret, base64-decoded, or base64-encoded. A value equal to the Secret's own name
    or namespace (a token Secret's ``data.namespace``) is readable in the file anyway
    and does not count; for the same reason the name and namespace fields themselves
    are not searched.
    """
    metadata = manifest.get("metadata") or {}
    identity = f"Secret {metadata.get('namespace')}/{metadata.get('name')}"
    if LAST_APPLIED_ANNOTATION in (metadata.get("annotations") or {}):
        raise PlaintextSecretRefused(f"{identity} carries {LAST_APPLIED_ANNOTATION}")
    public = {metadata.get("name"), metadata.get("namespace")}
    forms = [(origin, form) for origin, form in _value_forms(manifest) if form not in public]
    for field, text in _readable_strings(manifest):
        for origin, form in forms:
            if form in text:
                raise PlaintextSecretRefused(f"{identity}: {field} contains the value of {origin}")


def _readable_strings(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every string leaf that stays plaintext, by its path; never the Secret's identity."""
    readable = {key: value for key, value in manifest.items() if key not in _PAYLOAD_KEYS}
    for field, value in _indexed_leaves(readable):
        if isinstance(value, str) and field not in _IDENTITY_FIELDS:
            yield field, value


def _indexed_leaves(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _indexed_leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _indexed_leaves(item, f"{path}[{index}]")
    else:
        yield path, node


def _parse(path: str, content: bytes) -> dict[str, Any]:
    try:
        document = yamlio.load(content.decode("utf-8"))
    except (UnicodeDecodeError, YAMLError):
        raise PlaintextSecretRefused(f"{path} is not a readable YAML document") from None
    if not isinstance(document, dict):
        raise PlaintextSecretRefused(f"{path} is not a YAML mapping")
    return document


def _leaves(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for item in node:
            yield from _leaves(item, prefix)
    elif node is not None:
        yield prefix, node


def _is_encrypted(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_ENCRYPTED_PREFIX) and value.endswith("]")


def _value_forms(manifest: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every spelling of every payload value long enough to be told apart from prose."""
    for key in _PAYLOAD_KEYS:
        for name, value in (manifest.get(key) or {}).items():
            if not isinstance(value, str):
                continue
            origin = f"{key}.{name}"
            spellings = {value, base64.b64encode(value.encode()).decode("ascii")}
            if key == "data":
                spellings.add(_decoded(value))
            for form in spellings:
                if len(form) >= _MIN_LEAK_LENGTH:
                    yield origin, form


def _decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
