"""Bulk blob packs: readable by libgit2 and accepted by git's own checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2

from activities.git.packwriter import write_blob_pack


def test_blobs_written_as_a_pack_read_back_and_verify(tmp_path: Path) -> None:
    repo = pygit2.init_repository(str(tmp_path / "r.git"), bare=True)
    contents = [
        b"",
        b"x" * 15,
        b"y" * 16,
        b"z" * 70_000,
        *(f"cm-{i}\n".encode() for i in range(50)),
    ]
    blobs = {pygit2.hash(content): content for content in contents}

    pack = write_blob_pack(tmp_path / "r.git" / "objects", blobs)

    assert all(repo[oid].read_raw() == content for oid, content in blobs.items())
    verify = subprocess.run(
        ["git", "verify-pack", "-v", str(pack.with_suffix(".idx"))],
        check=False,
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stderr
    assert f"non delta: {len(blobs)} objects" in verify.stdout
