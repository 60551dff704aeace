"""In-process SOPS (v3 format, AES256_GCM values, age recipients) for Kubernetes objects.

The public surface the lifecycle and the writers use. Everything here is pure codec:
it never reads files, Git or Kubernetes, and it never logs; key material only enters
as :class:`AgeIdentity` objects and never leaves in a message or a repr.
"""

from __future__ import annotations

from activities.sops.document import (
    ENCRYPTED_REGEX,
    FORMAT_VERSION,
    DecryptedDocument,
    decrypt_document,
    encrypt_document,
)
from activities.sops.errors import (
    InvalidIdentity,
    InvalidRecipient,
    MacMismatch,
    NoMatchingIdentity,
    NotSopsDocument,
    SopsError,
    UnsupportedValue,
)
from activities.sops.identities import AgeIdentity, parse_recipient, recipients_hash

__all__ = [
    "ENCRYPTED_REGEX",
    "FORMAT_VERSION",
    "AgeIdentity",
    "DecryptedDocument",
    "InvalidIdentity",
    "InvalidRecipient",
    "MacMismatch",
    "NoMatchingIdentity",
    "NotSopsDocument",
    "SopsError",
    "UnsupportedValue",
    "decrypt_document",
    "encrypt_document",
    "parse_recipient",
    "recipients_hash",
]
