"""The JSON merge patch (RFC 7386) that turns one status document into another.

The bridge may only PATCH ``status``; a merge patch keeps what it does not mention, so
a field the new status no longer has must be sent as ``null`` to be removed. Lists are
replaced whole (conditions always are). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["merge_patch"]


def merge_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The smallest merge patch that makes ``old`` equal to ``new``."""
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            nested = merge_patch(before, value)
            if nested:
                patch[key] = nested
        elif key not in old or before != value:
            patch[key] = value
    return patch
