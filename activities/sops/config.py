"""The ``.sops.yaml`` written into a target's folder, so ``sops`` users encrypt alike.

With it, running ``sops -e -i NAME.sops.yaml`` (or ``sops edit``) inside the folder uses
the target's age recipients and encrypts only ``data`` and ``stringData``, exactly as
the operator does. ``sops`` looks for ``.sops.yaml`` from the working directory upwards.

Pure rendering; the caller writes the file.
"""

from __future__ import annotations

from collections.abc import Sequence

from activities import yamlio
from activities.sops.document import ENCRYPTED_REGEX
from activities.sops.errors import UnsupportedValue
from activities.sops.identities import parse_recipient

__all__ = ["SOPS_CONFIG_FILENAME", "SOPS_FILE_PATH_REGEX", "render_sops_config"]

SOPS_CONFIG_FILENAME = ".sops.yaml"
SOPS_FILE_PATH_REGEX = r"\.sops\.yaml$"
"""Encrypted objects are written as ``<name>.sops.yaml``."""


def render_sops_config(recipients: Sequence[str]) -> str:
    """One creation rule: ``*.sops.yaml`` files, Secret payloads only, these recipients."""
    canonical = sorted({parse_recipient(r) for r in recipients})
    if not canonical:
        raise UnsupportedValue("at least one age recipient is required")
    rule = {
        "path_regex": SOPS_FILE_PATH_REGEX,
        "encrypted_regex": ENCRYPTED_REGEX,
        # One comma-separated string: the form every sops 3.x release reads.
        "age": ",".join(canonical),
    }
    return yamlio.dump({"creation_rules": [rule]})
