"""The write-access check over the harness's real servers: file, HTTP and sshd.

Read-only credentials read as WriteAccessDenied; credentials that cannot even read
keep the reason reading gives. The check never changes the remote's refs.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pygit2
import pytest

from activities.git import (
    AuthenticationFailed,
    BranchWriter,
    Credentials,
    GitError,
    HttpCredentials,
    NetworkError,
    RepositoryNotFound,
    SshCredentials,
    WriteAccess,
    WriteAccessDenied,
    WriterConfig,
    transport,
)
from tests.harness.git import GitRemote, HttpCredential, SshCredential

pytestmark = pytest.mark.timeout(120)


def writer_for(
    url: str, credentials: Credentials | None, cache: Path, branch: str = "main"
) -> BranchWriter:
    return BranchWriter(WriterConfig(url, branch, cache, credentials=credentials))


def http(credential: HttpCredential) -> HttpCredentials:
    return HttpCredentials(credential.username, credential.password)


def ssh(credential: SshCredential) -> SshCredentials:
    return SshCredentials(credential.private_key, credential.known_hosts.encode())


def refs(remote: GitRemote) -> dict[str, str]:
    repo = pygit2.Repository(str(remote.bare_path))
    found = {name: str(repo.references[name].resolve().target) for name in repo.references}
    return {**found, "HEAD": str(repo.references["HEAD"].target)}


@contextmanager
def refs_unchanged(remote: GitRemote) -> Iterator[None]:
    before = refs(remote)
    yield
    assert refs(remote) == before


def endpoint(remote: GitRemote, transport: str, access: str) -> tuple[str, Credentials | None]:
    if transport == "file":
        return remote.file_url, None
    if transport == "http":
        return remote.http_url, http(remote.http_rw if access == "rw" else remote.http_ro)
    return remote.ssh_url, ssh(remote.ssh_rw if access == "rw" else remote.ssh_ro)


def main_tip(remote: GitRemote) -> str:
    return str(pygit2.Repository(str(remote.bare_path)).references["refs/heads/main"].target)


@pytest.mark.parametrize("transport", ["file", "http", "ssh"])
def test_read_write_credentials_pass_and_report_the_branch(
    git_remote: GitRemote, tmp_path: Path, transport: str
) -> None:
    url, credentials = endpoint(git_remote, transport, "rw")

    with refs_unchanged(git_remote):
        access = writer_for(url, credentials, tmp_path).check_write_access()

    assert access == WriteAccess(tip=main_tip(git_remote), default_branch="main")
    assert access.branch_exists


def test_missing_branch_is_reported_as_missing(git_remote: GitRemote, tmp_path: Path) -> None:
    url, credentials = endpoint(git_remote, "http", "rw")

    with refs_unchanged(git_remote):
        access = writer_for(url, credentials, tmp_path, "live-state").check_write_access()

    assert (access.branch_exists, access.default_branch) == (False, "main")


@pytest.mark.parametrize("transport", ["http", "ssh"])
def test_read_only_credentials_are_write_access_denied(
    git_remote: GitRemote, tmp_path: Path, transport: str
) -> None:
    url, credentials = endpoint(git_remote, transport, "ro")
    writer = writer_for(url, credentials, tmp_path)

    with refs_unchanged(git_remote), pytest.raises(WriteAccessDenied) as caught:
        writer.check_write_access()

    assert not caught.value.retryable
    assert caught.value.reason == "WriteAccessDenied"


def test_the_same_read_only_credentials_can_read(git_remote: GitRemote, tmp_path: Path) -> None:
    # What makes WriteAccessDenied true: the refusal is of the push alone.
    url, credentials = endpoint(git_remote, "http", "ro")
    assert writer_for(url, credentials, tmp_path).open() == main_tip(git_remote)


def test_wrong_http_password_is_authentication_failed(
    git_remote: GitRemote, tmp_path: Path
) -> None:
    wrong = HttpCredentials(git_remote.http_rw.username, "not-the-password")

    with refs_unchanged(git_remote), pytest.raises(AuthenticationFailed) as caught:
        writer_for(git_remote.http_url, wrong, tmp_path).check_write_access()

    assert not isinstance(caught.value, WriteAccessDenied)


def test_unknown_ssh_key_is_authentication_failed(git_remote: GitRemote, tmp_path: Path) -> None:
    key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    stranger = SshCredentials(key.read_text(), git_remote.ssh_rw.known_hosts.encode())

    with pytest.raises(AuthenticationFailed) as caught:
        writer_for(git_remote.ssh_url, stranger, tmp_path / "cache").check_write_access()

    assert not isinstance(caught.value, WriteAccessDenied)


@pytest.mark.parametrize(
    ("where", "error"),
    [("missing", RepositoryNotFound), ("unreachable", NetworkError)],
)
def test_what_reading_meets_keeps_its_own_reason(
    git_remote: GitRemote, tmp_path: Path, where: str, error: type[GitError]
) -> None:
    url = (
        git_remote.http_url.replace(git_remote.name, "absent.git")
        if where == "missing"
        else "http://127.0.0.1:9/repo.git"
    )
    with pytest.raises(error):
        writer_for(url, http(git_remote.http_rw), tmp_path).check_write_access()


@pytest.mark.parametrize(("access", "denied"), [("rw", False), ("ro", True)])
def test_check_without_a_writer_uses_a_scratch_repository_and_leaves_none(
    git_remote: GitRemote, tmp_path: Path, access: str, denied: bool
) -> None:
    url, credentials = endpoint(git_remote, "ssh", access)
    remote = transport.Endpoint(url, credentials, tmp_path / "ssh-homes")
    scratch = Path(tempfile.gettempdir())
    before = set(scratch.glob("gitops-reverser-probe-*"))

    with refs_unchanged(git_remote):
        if denied:
            with pytest.raises(WriteAccessDenied):
                transport.check_write_access(remote, "main")
        else:
            assert transport.check_write_access(remote, "main").tip == main_tip(git_remote)

    assert set(scratch.glob("gitops-reverser-probe-*")) == before
