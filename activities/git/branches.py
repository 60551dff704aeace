"""Whether a GitTarget may write a branch: a valid branch name matching an allowed pattern.

Pure check against ``GitProvider.spec.allowedBranches`` glob patterns; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

import pygit2

from activities.git.errors import BranchNotAllowed

__all__ = ["ensure_branch_allowed"]


def ensure_branch_allowed(branch: str, allowed: Sequence[str]) -> None:
    """Raise ``BranchNotAllowed`` unless ``branch`` is valid and matches one of ``allowed``."""
    if branch.startswith("-") or not pygit2.reference_is_valid_name(f"refs/heads/{branch}"):
        raise BranchNotAllowed(f"{branch!r} is not a valid branch name")
    if not any(fnmatchcase(branch, pattern) for pattern in allowed):
        raise BranchNotAllowed(
            f"branch {branch!r} matches none of {', '.join(allowed) or '(none)'}"
        )
