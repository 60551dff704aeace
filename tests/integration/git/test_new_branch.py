"""A branch the remote lacks starts from the remote's default branch, never from nothing.

Over the harness's real HTTP server (remote HEAD as git http-backend advertises it)
and over file:// remotes whose HEAD is moved by hand.
"""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from activities.git import BranchWriter, Change, FileState, HttpCredentials, WriterConfig
from tests.harness.git import GitRemote, GitServers
from tests.integration.git.conftest import BareRepo, WriterFactory, git

pytestmark = pytest.mark.timeout(120)

BRANCH = "live-state"


def http_writer(remote: GitRemote, cache: Path, branch: str = BRANCH) -> BranchWriter:
    credentials = HttpCredentials(remote.http_rw.username, remote.http_rw.password)
    config = WriterConfig(remote.http_url, branch, cache, credentials=credentials)
    return BranchWriter(config)


def write(writer: BranchWriter, path: str = "p/a.yaml") -> None:
    writer.submit(Change((FileState(path, b"a\n"),), f"write {path}"))
    writer.flush()


def tip(repository: Path, branch: str) -> pygit2.Commit:
    return pygit2.Repository(str(repository)).revparse_single(branch).peel(pygit2.Commit)


class TestOverHttp:
    def test_missing_branch_starts_at_the_default_branch_tip_with_its_files(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        main_before = tip(git_remote.bare_path, "main").id
        writer = http_writer(git_remote, tmp_path)
        assert writer.open() is None
        assert writer.branch_exists is False

        write(writer)

        first = tip(git_remote.bare_path, BRANCH)
        assert first.parent_ids == [main_before]
        assert git_remote.read("README.md", BRANCH) == b"# test remote\n"
        assert git_remote.read("p/a.yaml", BRANCH) == b"a\n"
        assert tip(git_remote.bare_path, "main").id == main_before
        assert git_remote.log(BRANCH) == ["write p/a.yaml", "initial"]

    def test_read_of_a_missing_branch_sees_the_default_branch_it_will_start_from(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        assert http_writer(git_remote, tmp_path).read_file("README.md") == b"# test remote\n"

    def test_empty_remote_gets_a_root_commit(self, git_servers: GitServers, tmp_path: Path) -> None:
        remote = git_servers.new_remote(initial_commit=False)

        write(http_writer(remote, tmp_path))

        assert tip(remote.bare_path, BRANCH).parent_ids == []
        assert remote.log(BRANCH) == ["write p/a.yaml"]


class TestDefaultBranch:
    def test_branch_remote_head_names_wins_over_main(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        git("branch", "trunk", "main", cwd=remote.path)
        git("symbolic-ref", "HEAD", "refs/heads/trunk", cwd=remote.path)
        remote.push_from_outside("only-on-main.md", b"x\n", "main moves on")

        write(make_writer(remote.url, branch=BRANCH))

        assert tip(remote.path, BRANCH).parent_ids == [tip(remote.path, "trunk").id]
        assert remote.read("only-on-main.md", BRANCH) is None

    def test_master_is_used_when_remote_head_names_no_branch(
        self, tmp_path: Path, make_writer: WriterFactory
    ) -> None:
        path = tmp_path / "old.git"
        git("init", "-q", "--bare", "-b", "master", str(path), cwd=tmp_path)
        old = BareRepo(path, tmp_path)
        work = tmp_path / "work"
        git("clone", "-q", old.url, str(work), cwd=tmp_path)
        (work / "README.md").write_bytes(b"# old\n")
        git("add", "-A", cwd=work)
        git("commit", "-q", "-m", "initial", cwd=work)
        git("push", "-q", "origin", "HEAD:master", cwd=work)
        git("symbolic-ref", "HEAD", "refs/heads/gone", cwd=path)

        write(make_writer(old.url, branch=BRANCH))

        assert tip(path, BRANCH).parent_ids == [tip(path, "master").id]
        assert old.read("README.md", BRANCH) == b"# old\n"

    def test_branch_created_by_someone_else_meanwhile_is_built_on_not_overwritten(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url, branch=BRANCH)
        writer.open()
        remote.push_from_outside("theirs.md", b"t\n", "theirs")
        git("branch", BRANCH, "main", cwd=remote.path)
        theirs = tip(remote.path, BRANCH).id

        write(writer)

        assert tip(remote.path, BRANCH).parent_ids == [theirs]
        assert remote.read("theirs.md", BRANCH) == b"t\n"
