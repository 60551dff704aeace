"""File states name clean repository-relative paths only."""

from __future__ import annotations

import pytest

from activities.git import FileState, PathOutsideTarget


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "a/../b.yaml",
        "a//b.yaml",
        "a\\b.yaml",
        ".git/config",
        "a/\0b.yaml",
        "b/GIT~1/x.yaml",
        "b/.git./x.yaml",
    ],
)
def test_path_that_is_not_clean_and_relative_is_refused(path: str) -> None:
    with pytest.raises(PathOutsideTarget):
        FileState(path, b"x")
