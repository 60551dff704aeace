"""Last line of defence: Secret plaintext never reaches Git readable.

Two checks, one on each side of encryption. :func:`refuse_secret_value_leaks` looks at
a sanitised Secret before it is encrypted, while its values are still known, and
refuses one whose readable part (everything that stays plaintext: metadata, type)
still carries them. :func:`refuse_plaintext_secret` looks at the bytes about to be
committed, whatever their path: no core Secret document (in any document of a
multi-document file, or among the ``items`` of a ``List``) gets through unless it is
a SOPS document whose payload leaves are all encrypted, without the apply annotation
that copies a whole Secret into metadata; and a file in a Secret folder of the layout
must be such a document.

It stays cheap for everything else: bytes are parsed only when they could spell
``Secret`` at all (the word itself, a backslash for a double-quoted escape, a NUL or
a byte order mark for UTF-16 and UTF-32). Bytes no YAML reader can read are not a
manifest, so they pass, unless they still show a ``kind: Secret`` line (fail closed
on a broken Secret file); documents before the unreadable part are checked.

Checks only: it encrypts nothing, writes nothing and never puts a value into a message.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Iterator, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from activities import yamlio
from activities.manifests.errors import PlaintextSecretRefused
from activities.manifests.layout import is_secret_path
from activities.manifests.sanitise import api_group

__all__ = [
    "LAST_APPLIED_ANNOTATION",
    "is_secret",
    "refuse_plaintext_secret",
    "refuse_secret_value_leaks",
]

LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
"""``kubectl apply`` keeps the whole applied object here, a Secret's values included."""

_SOPS_SUFFIX = ".sops.yaml"
_PAYLOAD_KEYS = ("data", "stringData")
_ENCRYPTED_PREFIX = "ENC[AES256_GCM,"
_IDENTITY_FIELDS = frozenset({"metadata.name", "metadata.namespace"})
# Values shorter than this coincide with ordinary label and annotation text (ports,
# "true"), so matching them would refuse healthy Secrets without pointing at a leak.
_MIN_LEAK_LENGTH = 6
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)
_SECRET_KIND_LINE = re.compile(r"""["']?\bkind["']?\s*:\s*["']?Secret\b""")
_LIST_KIND = "List"
_SECRET_LIST_KIND = "SecretList"  # noqa: S105 (a kind name)


def is_secret(obj: Mapping[str, Any]) -> bool:
    """True for a core ``v1`` Secret, the one kind that is only ever written encrypted."""
    return obj.get("kind") == "Secret" and api_group(str(obj.get("apiVersion", ""))) == ""


def refuse_plaintext_secret(path: str, content: bytes) -> None:
    """Raise ``PlaintextSecretRefused`` when ``content`` could put a Secret in Git readable.

    Refused: a core Secret document anywhere in ``content`` that is not a fully
    encrypted SOPS document, and any file in a Secret folder of the layout that is
    not one; see the module docstring for what is parsed and when.
    """
    if is_secret_path(path):
        documents: list[Any] = [_secret_file(path, content)]
    elif _may_spell_secret(content):
        documents = list(_documents(path, content))
    else:
        return
    for document in documents:
        for secret in _core_secrets(document):
            _refuse_unless_encrypted(path, secret)


def _secret_file(path: str, content: bytes) -> dict[str, Any]:
    """The one document of a file in a Secret folder, which must be an encrypted Secret."""
    if not path.endswith(_SOPS_SUFFIX):
        raise PlaintextSecretRefused(f"{path} is a Secret file without the {_SOPS_SUFFIX} suffix")
    if LAST_APPLIED_ANNOTATION.encode() in content:
        raise PlaintextSecretRefused(f"{path} carries {LAST_APPLIED_ANNOTATION} in plaintext")
    document = _parse(path, content)
    _refuse_unless_encrypted(path, document)
    return document


def _refuse_unless_encrypted(path: str, document: Mapping[str, Any]) -> None:
    metadata = document.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if isinstance(annotations, Mapping) and LAST_APPLIED_ANNOTATION in annotations:
        raise PlaintextSecretRefused(f"{path} carries {LAST_APPLIED_ANNOTATION} in plaintext")
    if not isinstance(document.get("sops"), dict):
        raise PlaintextSecretRefused(f"{path} holds a Secret without a sops block")
    for key in _PAYLOAD_KEYS:
        for name, value in _leaves(document.get(key)):
            if value not in (None, "") and not _is_encrypted(value):
                raise PlaintextSecretRefused(f"{path}: {key}.{name} is not encrypted")


def _may_spell_secret(content: bytes) -> bool:
    # Spelled out rather than looped: this runs for every file of every commit.
    return (
        b"Secret" in content
        or b"\\" in content
        or b"\0" in content
        or content.startswith(_BOM_PREFIXES)
    )


def _documents(path: str, content: bytes) -> Iterator[Any]:
    """Every YAML document in ``content``, up to the first part no reader can read."""
    text = _text(content)
    if text is None:
        return
    try:
        yield from _multi_document_reader().load_all(text)
    except (YAMLError, RecursionError):
        if _SECRET_KIND_LINE.search(text):
            raise PlaintextSecretRefused(
                f"{path} is not readable YAML but shows a kind: Secret line"
            ) from None


def _text(content: bytes) -> str | None:
    """``content`` as text in the encoding YAML readers detect; ``None``: no text at all."""
    encoding = next((name for bom, name in _BOMS if content.startswith(bom)), None)
    if encoding is None:
        encoding = _encoding_without_bom(content[:4])
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        return None


def _encoding_without_bom(head: bytes) -> str:
    """YAML 1.2's detection (section 5.2) from where the first character's NULs are."""
    if head[:3] == b"\0\0\0":
        return "utf-32-be"
    if head[1:4] == b"\0\0\0":
        return "utf-32-le"
    if head[:1] == b"\0":
        return "utf-16-be"
    if head[1:2] == b"\0":
        return "utf-16-le"
    return "utf-8"


def _multi_document_reader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    return yaml


def _core_secrets(document: Any) -> Iterator[Mapping[str, Any]]:
    """The core Secrets ``document`` is or lists, through ``List`` items at any depth."""
    pending = [document]
    while pending:
        node = pending.pop()
        if not isinstance(node, Mapping):
            continue
        if is_secret(node):
            yield node
        items = node.get("items")
        if not isinstance(items, list) or api_group(str(node.get("apiVersion", ""))) != "":
            continue
        if node.get("kind") == _SECRET_LIST_KIND:
            # A SecretList's items are Secrets even where they do not say so.
            yield from (item if isinstance(item, Mapping) else {} for item in items)
        elif node.get("kind") == _LIST_KIND:
            pending.extend(items)


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
