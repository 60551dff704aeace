"""Writing an encrypted SOPS document as YAML text."""

from __future__ import annotations

from typing import Any

from activities import yamlio

__all__ = ["emit"]


def emit(document: dict[str, Any]) -> str:
    return yamlio.dump(document)
