"""Re-encryption without Git churn: keep the file already in Git when nothing changed.

Every encryption draws a fresh data key and nonces, so encrypting the same Secret twice
gives different bytes. Before writing, the existing file is decrypted with the target's
own identity and compared with the new plaintext (same values, types and key order)
and recipient set; when both match, the existing text is returned unchanged.

Decrypt-and-compare rather than a digest kept beside the file: a plain digest of a
Secret would let anyone with the repository confirm guessed values, a keyed digest would
need a second secret, and decrypting also verifies the MAC, so an altered or unreadable
file is replaced rather than kept.

Pure; no Git or file I/O: the caller reads the existing file and writes the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from activities.sops.document import ENCRYPTED_REGEX, decrypt_document, encrypt_document
from activities.sops.errors import SopsError
from activities.sops.identities import AgeIdentity, parse_recipient
from activities.sops.tree import EncryptionRule

__all__ = ["EncryptedFile", "encrypt_unless_unchanged"]

_OUR_RULE = EncryptionRule(encrypted_regex=ENCRYPTED_REGEX)


@dataclass(frozen=True)
class EncryptedFile:
    """The text to write, and whether it is the existing file kept byte for byte."""

    text: str
    kept_existing: bool


def encrypt_unless_unchanged(
    obj: Mapping[str, Any],
    recipients: Sequence[str],
    *,
    identity: AgeIdentity,
    existing: str | None,
    now: datetime | None = None,
) -> EncryptedFile:
    """Encrypt ``obj``, or return ``existing`` when it already holds the same object."""
    if existing is not None and _holds(existing, obj, recipients, identity):
        return EncryptedFile(text=existing, kept_existing=True)
    return EncryptedFile(text=encrypt_document(obj, recipients, now=now), kept_existing=False)


def _holds(
    existing: str, obj: Mapping[str, Any], recipients: Sequence[str], identity: AgeIdentity
) -> bool:
    try:
        opened = decrypt_document(existing, [identity])
    except SopsError:
        return False  # altered, foreign or unreadable: replace it
    return (
        opened.rule == _OUR_RULE
        and not opened.mac_only_encrypted
        and set(opened.recipients) == {parse_recipient(r) for r in recipients}
        and _shape(opened.plaintext) == _shape(obj)
    )


def _shape(node: Any) -> Any:
    """A comparable form that tells apart key order, ``1``/``True``/``1.0`` and ``"1"``."""
    if isinstance(node, Mapping):
        return ("map", tuple((key, _shape(value)) for key, value in node.items()))
    if isinstance(node, list | tuple):
        return ("seq", tuple(_shape(item) for item in node))
    return (type(node).__name__, repr(node))
