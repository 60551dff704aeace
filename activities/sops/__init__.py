"""In-process SOPS (v3 format, AES256_GCM values, age recipients) for Kubernetes objects.

The public surface the lifecycle and the writers use. Everything here is pure codec:
it never reads files, Git or Kubernetes, and it never logs; key material only enters
as :class:`AgeIdentity` objects and never leaves in a message or a repr.
"""

from __future__ import annotations

from activities.sops.config import SOPS_CONFIG_FILENAME, SOPS_FILE_PATH_REGEX, render_sops_config
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
from activities.sops.reuse import EncryptedFile, encrypt_unless_unchanged
from activities.sops.tree import EncryptionRule

__all__ = [
    "ENCRYPTED_REGEX",
    "FORMAT_VERSION",
    "SOPS_CONFIG_FILENAME",
    "SOPS_FILE_PATH_REGEX",
    "AgeIdentity",
    "DecryptedDocument",
    "EncryptedFile",
    "EncryptionRule",
    "InvalidIdentity",
    "InvalidRecipient",
    "MacMismatch",
    "NoMatchingIdentity",
    "NotSopsDocument",
    "SopsError",
    "UnsupportedValue",
    "decrypt_document",
    "encrypt_document",
    "encrypt_unless_unchanged",
    "parse_recipient",
    "recipients_hash",
    "render_sops_config",
]
