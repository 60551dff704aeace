"""Each git transport of the harness accepts pygit2 clone/commit/push and enforces read-only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from tests.harness.git import GitRemote, HttpCredential, SshCredential

_AUTHOR = pygit2.Signature("smoke", "smoke@example.invalid")


class _Callbacks(pygit2.RemoteCallbacks):
    def __init__(self, credential: HttpCredential | SshCredential | None) -> None:
        super().__init__()
        self._credential = credential
        self.rejected: list[str] = []

    def credentials(
        self, url: str, username_from_url: str | None, allowed_types: pygit2.enums.CredentialType
    ) -> pygit2.UserPass | pygit2.Keypair:
        if isinstance(self._credential, HttpCredential):
            return pygit2.UserPass(self._credential.username, self._credential.password)
        if isinstance(self._credential, SshCredential):
            return pygit2.KeypairFromMemory(
                username_from_url or "git",
                self._credential.public_key,
                self._credential.private_key,
                "",
            )
        raise pygit2.GitError("no credential for this transport")

    def certificate_check(self, certificate: None, valid: bool, host: bytes) -> bool:
        return valid

    def push_update_reference(self, refname: str, message: str | None) -> None:
        if message:
            self.rejected.append(f"{refname}: {message}")


@pytest.fixture
def known_hosts_home(tmp_path: Path, git_remote: GitRemote) -> Iterator[Path]:
    """libgit2 checks SSH host keys against $HOME/.ssh/known_hosts; point it at the remote's."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "known_hosts").write_text(git_remote.ssh_rw.known_hosts)
    previous = pygit2.settings.homedir
    pygit2.settings.homedir = str(home)
    yield home
    pygit2.settings.homedir = previous or ""


def _endpoint(remote: GitRemote, transport: str, *, read_only: bool = False) -> tuple[str, object]:
    if transport == "file":
        return remote.file_url, None
    if transport == "http":
        return remote.http_url, remote.http_ro if read_only else remote.http_rw
    return remote.ssh_url, remote.ssh_ro if read_only else remote.ssh_rw


def _commit_file(repo: pygit2.Repository, name: str, content: bytes) -> None:
    workdir = Path(repo.workdir)
    (workdir / name).write_bytes(content)
    repo.index.add(name)
    repo.index.write()
    tree = repo.index.write_tree()
    repo.create_commit("HEAD", _AUTHOR, _AUTHOR, f"add {name}", tree, [repo.head.target])


@pytest.mark.usefixtures("known_hosts_home")
@pytest.mark.parametrize("transport", ["file", "http", "ssh"])
def test_clone_commit_and_push_reach_the_remote(
    transport: str, git_remote: GitRemote, tmp_path: Path
) -> None:
    url, credential = _endpoint(git_remote, transport)
    callbacks = _Callbacks(credential)  # type: ignore[arg-type]
    repo = pygit2.clone_repository(url, str(tmp_path / "clone"), callbacks=callbacks)
    _commit_file(repo, f"{transport}.txt", transport.encode())

    repo.remotes["origin"].push(["refs/heads/main"], callbacks=callbacks)

    assert callbacks.rejected == []
    assert git_remote.read(f"{transport}.txt") == transport.encode()
    assert git_remote.log() == [f"add {transport}.txt", "initial"]


@pytest.mark.usefixtures("known_hosts_home")
@pytest.mark.parametrize("transport", ["http", "ssh"])
def test_push_with_the_read_only_credential_is_rejected(
    transport: str, git_remote: GitRemote, tmp_path: Path
) -> None:
    url, credential = _endpoint(git_remote, transport, read_only=True)
    callbacks = _Callbacks(credential)  # type: ignore[arg-type]
    repo = pygit2.clone_repository(url, str(tmp_path / "clone"), callbacks=callbacks)
    _commit_file(repo, "denied.txt", b"no")

    with pytest.raises(pygit2.GitError):
        repo.remotes["origin"].push(["refs/heads/main"], callbacks=callbacks)

    assert git_remote.read("denied.txt") is None


def test_clone_over_ssh_refuses_an_unknown_host_key(
    git_remote: GitRemote, tmp_path: Path, known_hosts_home: Path
) -> None:
    (known_hosts_home / ".ssh" / "known_hosts").write_text(git_remote.ssh_unknown_host_known_hosts)

    with pytest.raises(pygit2.GitError, match="hostkey"):
        pygit2.clone_repository(
            git_remote.ssh_url, str(tmp_path / "clone"), callbacks=_Callbacks(git_remote.ssh_rw)
        )
