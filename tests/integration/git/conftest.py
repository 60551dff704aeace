"""Helpers for git writer tests: plain bare repositories and pushes made by someone else.

Outside pushes use the real git CLI, as a colleague's laptop would. Every test here
fails when its logs or expected exceptions carry a private key, or one of the git
servers' passwords and SSH keys when it uses them.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from activities.git import BranchWriter, WriterConfig
from tests.harness.git import GitServers, read_file
from tests.leak_watch import leak_watch_fixture
from tests.unit.sops.key_leaks import LeakWatch


def _remember_harness_credentials(watch: LeakWatch, request: pytest.FixtureRequest) -> None:
    if "git_servers" not in request.fixturenames:
        return
    servers: GitServers = request.getfixturevalue("git_servers")
    for password, _mode in servers.http_users.values():
        watch.remember(password)
    for credential in (servers.ssh_rw, servers.ssh_ro):
        watch.remember(credential.private_key)
        for line in credential.private_key.splitlines():
            if not line.startswith("-----"):
                watch.remember(line)


credential_leaks = leak_watch_fixture(
    name="credential_leaks", on_setup=[_remember_harness_credentials]
)

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "colleague",
    "GIT_AUTHOR_EMAIL": "colleague@example.invalid",
    "GIT_COMMITTER_NAME": "colleague",
    "GIT_COMMITTER_EMAIL": "colleague@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin",
}


def git(*args: str, cwd: Path) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=_GIT_ENV, check=True, capture_output=True, text=True
    )
    return done.stdout


class BareRepo:
    """A bare repository on disk, pushed to over file:// and inspected directly."""

    def __init__(self, path: Path, scratch: Path) -> None:
        self.path = path
        self.url = f"file://{path}"
        self._scratch = scratch
        self._pushes = 0

    def read(self, path: str, branch: str = "main") -> bytes | None:
        return read_file(self.path, path, branch)

    def files(self, branch: str = "main") -> set[str]:
        out = git("ls-tree", "-r", "--name-only", branch, cwd=self.path)
        return set(out.split())

    def log(self, branch: str = "main") -> list[str]:
        return git("log", "--format=%s", branch, cwd=self.path).splitlines()

    def tip(self, branch: str = "main") -> str:
        return git("rev-parse", branch, cwd=self.path).strip()

    def push_from_outside(self, path: str, content: bytes, message: str) -> str:
        """Clone, commit one file and push, as someone else; the new tip."""
        self._pushes += 1
        work = self._scratch / f"outside-{self._pushes}"
        git("clone", "-q", self.url, str(work), cwd=self._scratch)
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        git("add", "-A", cwd=work)
        git("commit", "-q", "-m", message, cwd=work)
        git("push", "-q", "origin", "HEAD:main", cwd=work)
        return self.tip()

    def is_ancestor(self, commit: str, branch: str = "main") -> bool:
        done = subprocess.run(
            ["git", "merge-base", "--is-ancestor", commit, branch], cwd=self.path, check=False
        )
        return done.returncode == 0


@pytest.fixture
def remote(tmp_path: Path) -> BareRepo:
    """A bare repository with one commit (README.md) on main."""
    path = tmp_path / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(path), cwd=tmp_path)
    repo = BareRepo(path, tmp_path)
    repo.push_from_outside("README.md", b"# repo\n", "initial")
    return repo


@pytest.fixture
def empty_remote(tmp_path: Path) -> BareRepo:
    path = tmp_path / "empty.git"
    git("init", "-q", "--bare", "-b", "main", str(path), cwd=tmp_path)
    return BareRepo(path, tmp_path)


WriterFactory = Callable[..., BranchWriter]


@pytest.fixture
def make_writer(tmp_path: Path) -> WriterFactory:
    def make(
        url: str, *, clock: Callable[[], float] = time.monotonic, **options: Any
    ) -> BranchWriter:
        options.setdefault("branch", "main")
        config = WriterConfig(url=url, cache_dir=tmp_path / "cache", **options)
        return BranchWriter(config, clock=clock)

    return make
