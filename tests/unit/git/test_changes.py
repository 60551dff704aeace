"""File states name clean repository-relative paths only."""

from __future__ import annotations

import pytest

from activities.git import Change, FileState, PathOutsideTarget


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


@pytest.mark.parametrize("operation_id", ["", "two\nlines", " padded", "tab\there", "x" * 257])
def test_operation_id_that_is_not_one_line_of_printable_text_is_refused(
    operation_id: str,
) -> None:
    with pytest.raises(ValueError, match="operation id"):
        Change((), "snapshot", operation_id=operation_id)


def test_change_with_an_operation_id_commits_alone() -> None:
    assert Change((), "x", operation_id="wf/act").commits_alone
    assert not Change((), "x").commits_alone
