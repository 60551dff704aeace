"""Whole SOPS v3 YAML documents for age: encrypt a Kubernetes object, decrypt a file.

Encryption draws one random 32-byte data key per document, encrypts the leaves under
``data`` and ``stringData`` (``encrypted_regex``), wraps the data key for every age
recipient (armored) and seals the MAC over the plaintext leaves, in the order they are
written, with ``lastmodified`` as its authenticated data. The text is written by
``yamlio.dump``, whose output every YAML reader reads back as the values hashed here.
Decryption accepts any SOPS YAML file with age recipients (also ones the ``sops``
binary wrote with other rules) and verifies the MAC like ``sops -d``.

No file, Git or Kubernetes I/O; the clock is read only when no time is passed in.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyrage
from pydantic import BaseModel, ConfigDict, ValidationError
from pyrage import x25519

from activities import yamlio
from activities.metrics import SECRETS_ENCRYPTED
from activities.sops.errors import (
    MacMismatch,
    NoMatchingIdentity,
    NotSopsDocument,
    UnsupportedValue,
)
from activities.sops.identities import AgeIdentity, parse_recipient
from activities.sops.tree import EncryptionRule, decrypt_tree, encrypt_tree
from activities.sops.values import decrypt_scalar, encrypt_scalar

__all__ = [
    "ENCRYPTED_REGEX",
    "FORMAT_VERSION",
    "DecryptedDocument",
    "decrypt_document",
    "encrypt_document",
]

ENCRYPTED_REGEX = "^(data|stringData)$"
"""Only Secret payloads are encrypted, so apiVersion, kind and metadata stay readable."""
FORMAT_VERSION = "3.9.0"
"""The SOPS release whose file format we write (age armored keys, encrypted_regex)."""

_DATA_KEY_SIZE = 32
_SOPS_KEY = "sops"
_OUR_RULE = EncryptionRule(encrypted_regex=ENCRYPTED_REGEX)


@dataclass(frozen=True)
class DecryptedDocument:
    """A verified plaintext object and how its file was encrypted."""

    plaintext: dict[str, Any] = field(repr=False)
    recipients: tuple[str, ...]
    rule: EncryptionRule
    mac_only_encrypted: bool


class _AgeStanza(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    recipient: str
    enc: str


class _Metadata(BaseModel):
    """The parts of the ``sops`` block a reader of age-encrypted files needs."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    age: list[_AgeStanza] = []
    lastmodified: str | datetime
    mac: str
    version: str
    unencrypted_suffix: str = ""
    encrypted_suffix: str = ""
    unencrypted_regex: str = ""
    encrypted_regex: str = ""
    unencrypted_comment_regex: str = ""
    encrypted_comment_regex: str = ""
    mac_only_encrypted: bool = False
    key_groups: list[Any] | None = None

    def rule(self) -> EncryptionRule:
        if self.unencrypted_comment_regex or self.encrypted_comment_regex:
            raise NotSopsDocument("comment-based encryption rules are not supported")
        rule = EncryptionRule(
            unencrypted_suffix=self.unencrypted_suffix,
            encrypted_suffix=self.encrypted_suffix,
            unencrypted_regex=self.unencrypted_regex,
            encrypted_regex=self.encrypted_regex,
        )
        if sum(bool(field) for field in vars(rule).values()) > 1:
            raise NotSopsDocument("more than one encryption rule in the sops metadata")
        return rule


def encrypt_document(
    obj: Mapping[str, Any], recipients: Sequence[str], *, now: datetime | None = None
) -> str:
    """Encrypt ``obj`` into SOPS YAML that every listed age recipient can open."""
    if _SOPS_KEY in obj:
        raise UnsupportedValue("the object already has a top-level 'sops' key")
    canonical = sorted({parse_recipient(r) for r in recipients})
    if not canonical:
        raise UnsupportedValue("at least one age recipient is required")
    data_key = os.urandom(_DATA_KEY_SIZE)
    body, mac = encrypt_tree(obj, data_key, _OUR_RULE)
    moment = now or datetime.now(UTC)
    lastmodified = _go_rfc3339(moment if moment.tzinfo is None else moment.astimezone(UTC))
    body[_SOPS_KEY] = {
        "age": [{"recipient": r, "enc": _wrap(data_key, r)} for r in canonical],
        "encrypted_regex": ENCRYPTED_REGEX,
        "lastmodified": lastmodified,
        "mac": encrypt_scalar(mac, data_key, lastmodified),
        "version": FORMAT_VERSION,
    }
    SECRETS_ENCRYPTED.inc()
    return yamlio.dump(body)


def decrypt_document(text: str, identities: Sequence[AgeIdentity]) -> DecryptedDocument:
    """Open a SOPS YAML document and verify its MAC, as ``sops -d`` does."""
    document = yamlio.load(text)
    if not isinstance(document, dict) or not isinstance(document.get(_SOPS_KEY), dict):
        raise NotSopsDocument("no top-level 'sops' mapping")
    metadata = _parse_metadata(document.pop(_SOPS_KEY))
    data_key = _unwrap(metadata.age, identities)
    rule = metadata.rule()
    plaintext, mac = decrypt_tree(
        document, data_key, rule, mac_only_encrypted=metadata.mac_only_encrypted
    )
    stored = decrypt_scalar(metadata.mac, data_key, _go_rfc3339(metadata.lastmodified))
    if not isinstance(stored, str) or not hmac.compare_digest(stored, mac):
        raise MacMismatch("the document MAC does not match its values (a field was altered)")
    return DecryptedDocument(
        plaintext=plaintext,
        recipients=tuple(stanza.recipient for stanza in metadata.age),
        rule=rule,
        mac_only_encrypted=metadata.mac_only_encrypted,
    )


def _parse_metadata(raw: dict[str, Any]) -> _Metadata:
    try:
        metadata = _Metadata.model_validate(raw)
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) for e in error.errors()})
        raise NotSopsDocument(f"invalid sops metadata fields: {', '.join(fields)}") from None
    if metadata.key_groups:
        raise NotSopsDocument("key_groups (Shamir secret sharing) are not supported")
    if not metadata.age:
        raise NotSopsDocument("the document has no age recipients")
    return metadata


def _wrap(data_key: bytes, recipient: str) -> str:
    armored: bytes = pyrage.encrypt(data_key, [x25519.Recipient.from_str(recipient)], armored=True)
    return armored.decode("ascii")


def _unwrap(stanzas: Sequence[_AgeStanza], identities: Sequence[AgeIdentity]) -> bytes:
    """The data key from the first stanza one of ``identities`` opens (own recipients first)."""
    ours = {identity.recipient for identity in identities}
    ordered = sorted(stanzas, key=lambda stanza: stanza.recipient not in ours)
    for stanza in ordered:
        for identity in identities:
            try:
                data_key = identity.unwrap(stanza.enc.encode())
            except pyrage.DecryptError:
                continue
            if len(data_key) != _DATA_KEY_SIZE:
                raise NotSopsDocument("the wrapped data key is not 32 bytes")
            return data_key
    raise NoMatchingIdentity(
        "none of the given identities opens the data key (file recipients: "
        + ", ".join(stanza.recipient for stanza in stanzas)
        + ")"
    )


def _go_rfc3339(moment: str | datetime) -> str:
    """Go's ``time.RFC3339`` form, which SOPS uses as the MAC's authenticated data."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            raise NotSopsDocument("lastmodified is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    text = moment.replace(microsecond=0).isoformat()
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
