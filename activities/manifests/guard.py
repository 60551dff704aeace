"""Last line of defence: a Secret's file must hold a SOPS document, never plaintext.

Checks bytes about to be committed; it parses nothing and encrypts nothing.
"""

from __future__ import annotations

import re

from activities.manifests.errors import PlaintextSecretRefused
from activities.manifests.layout import is_secret_path

__all__ = ["refuse_plaintext_secret"]

_SOPS_SUFFIX = ".sops.yaml"
_SOPS_BLOCK = re.compile(rb"^sops:[ \t]*$", re.MULTILINE)


def refuse_plaintext_secret(path: str, content: bytes) -> None:
    """Raise ``PlaintextSecretRefused`` unless a Secret path holds a SOPS-encrypted file."""
    if not is_secret_path(path):
        return
    if not path.endswith(_SOPS_SUFFIX) or not _SOPS_BLOCK.search(content):
        raise PlaintextSecretRefused(f"{path} is a Secret file without a sops block")
