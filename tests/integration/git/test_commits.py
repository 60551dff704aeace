"""Building commits in a local repository: a change that cannot be written is set aside."""

from __future__ import annotations

from pathlib import Path

import pygit2

from activities.git.changes import Change, CommitMode, FileState
from activities.git.commits import Pending, build_commits

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
