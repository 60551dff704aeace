"""Pushing over the harness's real servers: file, HTTP with basic auth, and sshd.

Covers the typed failures the lifecycle turns into condition reasons: refused
credentials end quickly with AuthenticationFailed (a push with read-only ones
too; the write-access check, in test_write_access, names those WriteAccessDenied),
host keys are checked strictly, and a missing repository is named as such.
"""

from __future__ import annotations

import json
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any

import pygit2
import pytest

from activities.git import (
    AuthenticationFailed,
    BranchWriter,
    CertificateUntrusted,
    Change,
    ConflictRetriesExhausted,
    Credentials,
    FileState,
    HostKeyMismatch,
    HostKeyUnknown,
    HttpCredentials,
    NetworkError,
    PushRejected,
    RepositoryNotFound,
    SnapshotRequest,
    SshCredentials,
    WriterConfig,
    credentials_from_secret,
    snapshot,
    transport,
)
from tests.harness.git import GitRemote, GitServers, HttpCredential, SshCredential
from tests.integration.git.tls import untrusted_https_server

pytestmark = pytest.mark.timeout(120)


def writer_for(url: str, credentials: Credentials | None, cache: Path) -> BranchWriter:
    config = WriterConfig(url=url, branch="main", cache_dir=cache, credentials=credentials)
    return BranchWriter(config)


def http(credential: HttpCredential) -> HttpCredentials:
    return HttpCredentials(credential.username, credential.password)


def ssh(credential: SshCredential, known_hosts: str | None = None) -> SshCredentials:
    return SshCredentials(
        private_key=credential.private_key,
        known_hosts=(known_hosts or credential.known_hosts).encode(),
    )


def http_requests(remote: GitRemote) -> dict[str, int]:
    """How the harness HTTP server saw requests for ``remote`` authenticate, so far."""
    url = remote.http_url.replace(remote.name, f"_requests/{remote.name}")
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the harness's http URL
        counts: dict[str, int] = json.loads(response.read())
    return counts


def write_one(writer: BranchWriter, path: str = "p/a.yaml", content: bytes = b"a\n") -> None:
    writer.submit(Change((FileState(path, content),), f"write {path}"))
    writer.flush()


class TestPushOverEachTransport:
    def test_file(self, git_remote: GitRemote, tmp_path: Path) -> None:
        write_one(writer_for(git_remote.file_url, None, tmp_path))
        assert git_remote.read("p/a.yaml") == b"a\n"

    def test_http_with_token_from_a_secret(self, git_remote: GitRemote, tmp_path: Path) -> None:
        data = {
            "username": git_remote.http_rw.username.encode(),
            "token": git_remote.http_rw.password.encode(),
        }
        credentials = credentials_from_secret(git_remote.http_url, data)
        write_one(writer_for(git_remote.http_url, credentials, tmp_path))
        assert git_remote.read("p/a.yaml") == b"a\n"

    def test_ssh_with_flux_style_secret(self, git_remote: GitRemote, tmp_path: Path) -> None:
        data = {
            "identity": git_remote.ssh_rw.private_key.encode(),
            "identity.pub": git_remote.ssh_rw.public_key.encode(),
            "known_hosts": git_remote.ssh_rw.known_hosts.encode(),
        }
        credentials = credentials_from_secret(git_remote.ssh_url, data)
        write_one(writer_for(git_remote.ssh_url, credentials, tmp_path))
        assert git_remote.read("p/a.yaml") == b"a\n"

    def test_ssh_snapshot_into_an_empty_repository_creates_the_branch(
        self, git_servers: GitServers, tmp_path: Path
    ) -> None:
        remote = git_servers.new_remote(initial_commit=False)
        writer = writer_for(remote.ssh_url, ssh(remote.ssh_rw), tmp_path)
        files = {"prod/ns/core/configmaps/a.yaml": b"a\n"}

        result = snapshot(writer, SnapshotRequest("prod", files))

        assert result.created == 1
        assert remote.log() == ["snapshot prod: 1 created, 0 updated, 0 deleted"]


class TestConcurrentOutsidePush:
    @pytest.mark.parametrize("transport", ["http", "ssh"])
    def test_outside_push_between_fetch_and_push_is_absorbed(
        self, git_remote: GitRemote, tmp_path: Path, transport: str
    ) -> None:
        url, credentials = (
            (git_remote.http_url, http(git_remote.http_rw))
            if transport == "http"
            else (git_remote.ssh_url, ssh(git_remote.ssh_rw))
        )
        ours = writer_for(url, credentials, tmp_path / "ours")
        theirs = writer_for(url, credentials, tmp_path / "theirs")
        ours.open()
        write_one(theirs, "docs/theirs.md", b"theirs\n")

        ours.submit(Change((FileState("p/ours.yaml", b"ours\n"),), "write ours"))
        result = ours.flush()

        assert result.attempts == 2
        assert git_remote.log() == ["write ours", "write docs/theirs.md", "initial"]
        assert git_remote.read("docs/theirs.md") == b"theirs\n"

    def test_two_workers_writing_one_branch_at_once_lose_no_change(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        # Two workers' writers of one branch (two targets, two folders) push in rounds
        # started together: from the second on, whichever pushed first in the last round
        # builds on a tip the other moved, so its push is rejected and re-applied. A flush
        # whose retries ran out is flushed again, as the stream's retry would.
        writers = {
            folder: writer_for(git_remote.http_url, http(git_remote.http_rw), tmp_path / folder)
            for folder in ("team-a", "team-b")
        }
        together = threading.Barrier(len(writers), timeout=60)
        rejected: list[int] = []

        def write(folder: str, writer: BranchWriter) -> None:
            for round_ in range(8):
                for name in range(5):
                    path = f"{folder}/v1/configmaps/{folder}/cm-{name}.yaml"
                    writer.submit(Change((FileState(path, f"round {round_}\n".encode()),), path))
                together.wait()
                while writer.pending:
                    try:
                        result = writer.flush()
                    except ConflictRetriesExhausted:
                        continue
                    rejected.append(result.attempts - 1)

        threads = [threading.Thread(target=write, args=item) for item in writers.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        for folder in writers:
            files = git_remote.files(folder)
            assert len(files) == 5
            assert set(files.values()) == {b"round 7\n"}
        assert sum(rejected) > 0, "the pushes raced"


class TestRefusedCredentials:
    def test_read_only_http_user_gets_authentication_failed(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        writer = writer_for(git_remote.http_url, http(git_remote.http_ro), tmp_path)
        with pytest.raises(AuthenticationFailed):
            write_one(writer)
        assert git_remote.log() == ["initial"]

    def test_wrong_http_password_fails_once_instead_of_retrying_forever(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        wrong = HttpCredentials(git_remote.http_rw.username, "not-the-password")
        with pytest.raises(AuthenticationFailed) as caught:
            writer_for(git_remote.http_url, wrong, tmp_path).open()
        assert "not-the-password" not in str(caught.value)

    def test_wrong_http_password_is_offered_to_the_server_once(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        # libgit2 would replay a refused password several times before giving up.
        wrong = HttpCredentials(git_remote.http_rw.username, "not-the-password")
        with pytest.raises(AuthenticationFailed):
            writer_for(git_remote.http_url, wrong, tmp_path).open()
        assert http_requests(git_remote) == {"anonymous": 1, "refused": 1, "accepted": 0}

    def test_accepted_http_password_is_offered_once_per_connection(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        writer_for(git_remote.http_url, http(git_remote.http_rw), tmp_path).open()
        counts = http_requests(git_remote)
        assert (counts["anonymous"], counts["refused"]) == (1, 0)

    def test_read_only_ssh_key_gets_authentication_failed(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        writer = writer_for(git_remote.ssh_url, ssh(git_remote.ssh_ro), tmp_path)
        writer.open()
        with pytest.raises(AuthenticationFailed):
            write_one(writer)
        assert git_remote.log() == ["initial"]

    def test_unauthorised_ssh_key_gets_authentication_failed(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        key = tmp_path / "stranger"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        stranger = SshCredentials(
            private_key=key.read_text(), known_hosts=git_remote.ssh_rw.known_hosts.encode()
        )
        with pytest.raises(AuthenticationFailed):
            writer_for(git_remote.ssh_url, stranger, tmp_path).open()


class TestHostKeys:
    def test_host_listed_with_a_different_key_is_refused(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        credentials = ssh(git_remote.ssh_rw, git_remote.ssh_unknown_host_known_hosts)
        with pytest.raises(HostKeyMismatch):
            writer_for(git_remote.ssh_url, credentials, tmp_path).open()

    def test_host_missing_from_known_hosts_is_refused(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        other_host = git_remote.ssh_rw.known_hosts.replace("127.0.0.1", "10.9.8.7")
        with pytest.raises(HostKeyUnknown):
            writer_for(git_remote.ssh_url, ssh(git_remote.ssh_rw, other_host), tmp_path).open()

    def test_https_server_with_an_untrusted_certificate_is_refused_as_such(
        self, tmp_path: Path
    ) -> None:
        with untrusted_https_server(tmp_path) as url, pytest.raises(CertificateUntrusted):
            writer_for(url, None, tmp_path / "cache").open()

    def test_writers_with_different_known_hosts_run_concurrently_without_mixing(
        self, git_remote: GitRemote, tmp_path: Path
    ) -> None:
        outcomes: dict[str, str] = {}

        def run(name: str, known_hosts: str) -> None:
            credentials = ssh(git_remote.ssh_rw, known_hosts)
            writer = writer_for(git_remote.ssh_url, credentials, tmp_path / name)
            for _ in range(3):
                try:
                    writer.open()
                    outcomes[name] = outcomes.get(name, "") + "ok "
                except HostKeyMismatch:
                    outcomes[name] = outcomes.get(name, "") + "refused "

        threads = [
            threading.Thread(target=run, args=("trusting", git_remote.ssh_rw.known_hosts)),
            threading.Thread(target=run, args=("wary", git_remote.ssh_unknown_host_known_hosts)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert outcomes == {"trusting": "ok ok ok ", "wary": "refused refused refused "}


class TestConcurrentSshWriters:
    def test_pushes_with_different_known_hosts_run_side_by_side_and_the_wrong_one_is_refused(
        self, git_servers: GitServers, tmp_path: Path
    ) -> None:
        first, second = git_servers.new_remote(), git_servers.new_remote()
        # Different known_hosts content (so different home folders), both listing the server.
        extra_line = "\n" + first.ssh_unknown_host_known_hosts.replace("127.0.0.1", "10.9.8.7")
        plans = {
            "first": (first, first.ssh_rw.known_hosts),
            "second": (second, second.ssh_rw.known_hosts + extra_line),
            "wary": (first, first.ssh_unknown_host_known_hosts),
        }
        outcomes: dict[str, list[str]] = {name: [] for name in plans}

        def run(name: str) -> None:
            remote, known_hosts = plans[name]
            credentials = ssh(remote.ssh_rw, known_hosts)
            writer = writer_for(remote.ssh_url, credentials, tmp_path / name)
            for round_ in range(3):
                try:
                    write_one(writer, f"{name}/{round_}.yaml", b"x\n")
                    outcomes[name].append("pushed")
                except HostKeyMismatch:
                    outcomes[name].append("refused")

        threads = [threading.Thread(target=run, args=(name,)) for name in plans]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

        assert outcomes == {
            "first": ["pushed"] * 3,
            "second": ["pushed"] * 3,
            "wary": ["refused"] * 3,
        }
        assert first.read("first/2.yaml") == second.read("second/2.yaml") == b"x\n"

    def test_ssh_operation_stalled_after_connecting_does_not_hold_up_another(
        self, git_servers: GitServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        slow_remote, quick_remote = git_servers.new_remote(), git_servers.new_remote()
        stalled, release = threading.Event(), threading.Event()
        offer = transport._Callbacks.credentials

        def stall_the_slow_writer(
            callbacks: transport._Callbacks, *args: Any
        ) -> pygit2.Username | pygit2.UserPass | pygit2.KeypairFromMemory:
            if threading.current_thread().name == "slow":
                stalled.set()
                release.wait(timeout=60)
            return offer(callbacks, *args)

        monkeypatch.setattr(transport._Callbacks, "credentials", stall_the_slow_writer)
        slow = writer_for(slow_remote.ssh_url, ssh(slow_remote.ssh_rw), tmp_path / "slow")
        quick = writer_for(quick_remote.ssh_url, ssh(quick_remote.ssh_rw), tmp_path / "quick")
        slow_thread = threading.Thread(target=slow.open, name="slow")
        slow_thread.start()
        try:
            assert stalled.wait(timeout=30)
            quick_thread = threading.Thread(target=quick.open, name="quick")
            quick_thread.start()
            quick_thread.join(timeout=20)
            assert not quick_thread.is_alive()
        finally:
            release.set()
            slow_thread.join(timeout=60)


class TestMissingOrUnreachable:
    def test_missing_repository_overhttp(self, git_remote: GitRemote, tmp_path: Path) -> None:
        url = git_remote.http_url.replace(git_remote.name, "absent.git")
        with pytest.raises(RepositoryNotFound):
            writer_for(url, http(git_remote.http_rw), tmp_path).open()

    def test_missing_repository_over_ssh(self, git_remote: GitRemote, tmp_path: Path) -> None:
        url = git_remote.ssh_url.replace(git_remote.name, "absent.git")
        with pytest.raises(RepositoryNotFound):
            writer_for(url, ssh(git_remote.ssh_rw), tmp_path).open()

    def test_nothing_listening_is_a_network_error(self, tmp_path: Path) -> None:
        with pytest.raises(NetworkError):
            writer_for("http://127.0.0.1:9/repo.git", None, tmp_path).open()

    def test_error_names_the_url_without_its_token(self, tmp_path: Path) -> None:
        url = "http://user:tok3n@127.0.0.1:9/org/repo@v1.git"
        with pytest.raises(NetworkError) as caught:
            writer_for(url, HttpCredentials("user", "tok3n"), tmp_path).open()
        assert "tok3n" not in str(caught.value)
        assert "127.0.0.1:9/org/repo@v1.git" in str(caught.value)


def test_refusal_by_a_server_hook_is_a_push_rejection(
    git_remote: GitRemote, tmp_path: Path
) -> None:
    hook = git_remote.bare_path / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    writer = writer_for(git_remote.http_url, http(git_remote.http_rw), tmp_path)

    with pytest.raises(PushRejected):
        write_one(writer)
    assert writer.pending == 1
