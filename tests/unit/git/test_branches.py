"""Allowed branches: valid names matching one of the provider's glob patterns."""

from __future__ import annotations

import pytest

from activities.git import BranchNotAllowed, ensure_branch_allowed


def test_branch_matching_a_pattern_is_allowed() -> None:
    ensure_branch_allowed("release/1.2", ["main", "release/*"])


def test_branch_matching_no_pattern_is_refused() -> None:
    with pytest.raises(BranchNotAllowed, match="matches none"):
        ensure_branch_allowed("feature/x", ["main", "release/*"])


@pytest.mark.parametrize("branch", ["a..b", "-x", "has space", "end.lock", ""])
def test_invalid_branch_name_is_refused(branch: str) -> None:
    with pytest.raises(BranchNotAllowed, match="not a valid branch"):
        ensure_branch_allowed(branch, ["*"])
