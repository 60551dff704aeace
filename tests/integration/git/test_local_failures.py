"""A broken local cache clone is a local failure, never a refusal or a missing remote.

libgit2 words local file system failures like remote ones ("No such file or
directory", "object not found", "Permission denied"); these tests break the
writer's own clone on disk (as root, so not with chmod) and over real file, HTTP
and SSH remotes expect GitOperationFailed, not RepositoryNotFound or
AuthenticationFailed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pygit2
import pytest

from activities.git import (
    BranchWriter,
    Change,
    Credentials,
    FileState,
    GitOperationFailed,
    HttpCredentials,
    SshCredentials,
    WriterConfig,
    branch_writer,
    transport,
)
from tests.harness.git import GitRemote

pytestmark = pytest.mark.timeout(120)

TRANSPORTS = ["file", "http", "ssh"]


def writer_for(remote: GitRemote, transport_name: str, cache: Path) -> BranchWriter:
    url, credentials = _endpoint(remote, transport_name)
    return BranchWriter(WriterConfig(url, "main", cache, credentials=credentials))


def _endpoint(remote: GitRemote, name: str) -> tuple[str, Credentials | None]:
    if name == "file":
        return remote.file_url, None
    if name == "http":
        return remote.http_url, HttpCredentials(remote.http_rw.username, remote.http_rw.password)
    key = remote.ssh_rw
    return remote.ssh_url, SshCredentials(key.private_key, key.known_hosts.encode())


def cache_clone(cache: Path) -> Path:
    (clone,) = cache.glob("*.git")
    return clone


def dangle(path: Path) -> None:
    """Replace ``path`` with a symlink to nowhere: every write below it fails."""
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()
    path.symlink_to(path.with_name(f"{path.name}-gone"))


def push_from_outside(remote: GitRemote) -> None:
    """A new commit on main, so that the next fetch has objects to write."""
    repo = pygit2.Repository(str(remote.bare_path))
    parent = repo.references["refs/heads/main"].peel(pygit2.Commit)
    builder = repo.TreeBuilder(parent.tree)
    builder.insert("outside.md", repo.create_blob(b"x\n" * 100), pygit2.enums.FileMode.BLOB)
    who = pygit2.Signature("colleague", "colleague@example.invalid")
    repo.create_commit("refs/heads/main", who, who, "outside", builder.write(), [parent.id])


@pytest.mark.parametrize("transport_name", TRANSPORTS)
def test_fetch_into_a_clone_whose_pack_folder_is_gone_is_a_local_failure(
    git_remote: GitRemote, tmp_path: Path, transport_name: str
) -> None:
    writer = writer_for(git_remote, transport_name, tmp_path)
    writer.open()
    push_from_outside(git_remote)
    dangle(cache_clone(tmp_path) / "objects" / "pack")

    with pytest.raises(GitOperationFailed, match="local git failure"):
        writer.open()


@pytest.mark.parametrize("transport_name", TRANSPORTS)
def test_push_of_objects_missing_from_the_clone_is_a_local_failure(
    git_remote: GitRemote, tmp_path: Path, transport_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_push = transport.push_branch

    def lose_the_blob_then_push(repo: pygit2.Repository, *args: Any) -> None:
        tree = repo.references["refs/heads/main"].peel(pygit2.Commit).tree
        blob = str(tree["p/a.yaml"].id)
        dangle(Path(repo.path) / "objects" / blob[:2] / blob[2:])
        real_push(repo, *args)

    monkeypatch.setattr(branch_writer, "push_branch", lose_the_blob_then_push)
    writer = writer_for(git_remote, transport_name, tmp_path)
    writer.submit(Change((FileState("p/a.yaml", b"a\n"),), "write a"))

    with pytest.raises(GitOperationFailed, match="local git failure"):
        writer.flush()
    assert writer.pending == 1
    assert git_remote.log() == ["initial"]


@pytest.mark.parametrize("transport_name", TRANSPORTS)
def test_push_whose_re_fetch_cannot_write_the_clone_is_a_local_failure(
    git_remote: GitRemote, tmp_path: Path, transport_name: str
) -> None:
    writer = writer_for(git_remote, transport_name, tmp_path)
    writer.open()
    push_from_outside(git_remote)
    dangle(cache_clone(tmp_path) / "objects" / "pack")
    writer.submit(Change((FileState("p/a.yaml", b"a\n"),), "write a"))

    with pytest.raises(GitOperationFailed, match="local git failure"):
        writer.flush()
    assert writer.pending == 1


def test_ssh_home_folder_that_cannot_be_written_is_a_local_failure(
    git_remote: GitRemote, tmp_path: Path
) -> None:
    writer = writer_for(git_remote, "ssh", tmp_path)
    (tmp_path / "ssh-homes").write_text("a file where the folder should be")

    with pytest.raises(GitOperationFailed, match="local I/O failed"):
        writer.open()


def test_transport_itself_raises_local_failures_typed(
    git_remote: GitRemote, tmp_path: Path
) -> None:
    repo = pygit2.init_repository(str(tmp_path / "clone.git"), bare=True)
    _url, credentials = _endpoint(git_remote, "ssh")
    homes = tmp_path / "homes"
    homes.write_text("not a folder")
    endpoint = transport.Endpoint(git_remote.ssh_url, credentials, homes)

    with pytest.raises(GitOperationFailed):
        transport.fetch_branch(repo, endpoint, "main", "refs/remotes/origin/main")
