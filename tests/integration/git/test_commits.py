"""Building commits in a local repository: a change that cannot be written is set aside."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from activities.git import changes, commits
from activities.git.changes import Change, CommitMode, FileState
from activities.git.commits import Pending, build_commits
from activities.git.errors import PathOutsideTarget

SIGNATURE = pygit2.Signature("test", "test@example.invalid")


def test_change_refused_while_building_is_set_aside_and_the_rest_commit(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    secret = FileState("p/ns/core/secrets/db.sops.yaml", b"kind: Secret\n")
    config = FileState("p/ns/core/configmaps/a.yaml", b"a\n")
    batch = [
        Pending(1, Change((config, secret), "config and secret together")),
        Pending(2, Change((FileState("p/b.yaml", b"b\n"),), "write b")),
    ]

    built = build_commits(repo, None, batch, CommitMode.BATCH, SIGNATURE)

    assert [(r.sequence, r.reason) for r in built.refused] == [(1, "PlaintextSecretRefused")]
    assert [a.sequence for a in built.applied] == [2]
    assert built.tip is not None
    tree = repo[built.tip].peel(pygit2.Commit).tree
    assert "p/b.yaml" in tree
    assert "p/ns" not in tree


def test_secret_under_another_path_is_set_aside_while_building(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    hidden = FileState("odd/place/notes.txt", b"apiVersion: v1\nkind: Secret\ndata:\n  a: YQ==\n")
    batch = [Pending(1, Change((hidden,), "hidden")), Pending(2, Change((), "nothing"))]

    built = build_commits(repo, None, batch, CommitMode.BATCH, SIGNATURE)

    assert [(r.sequence, r.reason) for r in built.refused] == [(1, "PlaintextSecretRefused")]
    assert built.tip is None


def _commit_files(repo: pygit2.Repository, *paths: str) -> pygit2.Oid:
    change = Change(tuple(FileState(path, b"old\n") for path in paths), "seed")
    built = build_commits(repo, None, [Pending(1, change)], CommitMode.BATCH, SIGNATURE)
    assert built.tip is not None
    return built.tip


def _refused_and_tree(
    repo: pygit2.Repository, base: pygit2.Oid | None, *batch: Change
) -> tuple[list[tuple[int, type[Exception]]], pygit2.Tree]:
    pending = [Pending(n, c) for n, c in enumerate(batch, start=1)]
    built = build_commits(repo, base, pending, CommitMode.BATCH, SIGNATURE)
    assert built.tip is not None
    refused = [(r.sequence, type(r.error)) for r in built.refused]
    return refused, repo[built.tip].peel(pygit2.Commit).tree


def test_path_libgit2_refuses_refuses_only_its_change_and_none_of_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stands for a name libgit2 refuses that our path checks do not know.
    monkeypatch.setattr(changes, "is_git_dir_alias", lambda segment: segment == ".git")
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    bad = Change((FileState("p/a.yaml", b"a\n"), FileState("p/GIT~1/x.yaml", b"x\n")), "bad")
    good = Change((FileState("p/b.yaml", b"b\n"),), "good")

    refused, tree = _refused_and_tree(repo, None, bad, good)

    assert refused == [(1, PathOutsideTarget)]
    assert "p/b.yaml" in tree
    assert "p/a.yaml" not in tree


def test_file_where_a_folder_of_files_is_is_refused(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    base = _commit_files(repo, "a/b/c.yaml")

    refused, tree = _refused_and_tree(repo, base, Change((FileState("a/b", b"x\n"),), "clash"))

    assert refused == [(1, PathOutsideTarget)]
    assert "a/b/c.yaml" in tree


def test_file_below_a_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    base = _commit_files(repo, "a/b")
    clash = Change((FileState("a/b/c.yaml", b"x\n"),), "clash")

    refused, tree = _refused_and_tree(repo, base, clash)

    assert refused == [(1, PathOutsideTarget)]
    assert tree["a/b"].type_str == "blob"


def test_file_next_to_a_folder_with_a_longer_name_is_written(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    base = _commit_files(repo, "a/b.d/c.yaml", "a/b0/c.yaml")

    refused, tree = _refused_and_tree(repo, base, Change((FileState("a/b", b"x\n"),), "fine"))

    assert refused == []
    assert all(path in tree for path in ("a/b", "a/b.d/c.yaml", "a/b0/c.yaml"))


def test_file_below_a_file_an_earlier_change_of_the_batch_wrote_is_refused(
    tmp_path: Path,
) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    folder = Change((FileState("a/b/x.yaml", b"x\n"),), "folder")
    file = Change((FileState("a/b/x.yaml", None), FileState("a/b", b"file\n")), "file")
    below = Change((FileState("a/b/y.yaml", b"y\n"),), "below")

    refused, tree = _refused_and_tree(repo, None, folder, file, below)

    assert refused == [(3, PathOutsideTarget)]
    assert tree["a/b"].type_str == "blob"


def test_file_below_a_file_a_refused_change_restored_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changes, "is_git_dir_alias", lambda segment: segment == ".git")
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    base = _commit_files(repo, "a/b")
    bad = Change(
        (FileState("a/b", None), FileState("a/b/c.yaml", b"c\n"), FileState("a/GIT~1", b"x\n")),
        "bad",
    )
    below = Change((FileState("a/b/d.yaml", b"d\n"),), "below")

    refused, tree = _refused_and_tree(repo, base, bad, below)

    assert refused == [(1, PathOutsideTarget), (2, PathOutsideTarget)]
    assert tree["a/b"].type_str == "blob"


@pytest.mark.parametrize("scan_after", [0, 200])
def test_folder_clashes_are_found_whether_or_not_the_base_folders_were_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_after: int
) -> None:
    monkeypatch.setattr(commits, "_FOLDER_SCAN_AFTER", scan_after)
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    base = _commit_files(repo, "a/b/c.yaml", "a/b.d/c.yaml")
    clash = Change((FileState("a/b", b"x\n"),), "clash")
    fine = Change((FileState("a/b.d/e.yaml", b"e\n"), FileState("a/b0", b"f\n")), "fine")

    refused, tree = _refused_and_tree(repo, base, clash, fine)

    assert refused == [(1, PathOutsideTarget)]
    assert all(path in tree for path in ("a/b/c.yaml", "a/b.d/e.yaml", "a/b0"))
