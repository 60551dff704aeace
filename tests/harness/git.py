"""Real git remotes on loopback: bare repos on disk, smart HTTP with basic auth, and sshd.

Each transport has a read-write and a read-only credential. SSH uses the real OpenSSH
server with a generated host key; authorized keys carry a forced command that allows
only upload-pack for the read-only key.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import pygit2

from tests.harness.process import ManagedProcess, free_port
from tests.harness.tools import Tools

__all__ = [
    "GitRemote",
    "GitServers",
    "HttpCredential",
    "RestartableHttpServer",
    "SshCredential",
    "read_file",
    "start_git_servers",
    "start_http_server",
]

_AUTHOR = pygit2.Signature("harness", "harness@example.invalid")


@dataclass(frozen=True)
class HttpCredential:
    username: str
    password: str


@dataclass(frozen=True)
class SshCredential:
    private_key: str
    public_key: str
    known_hosts: str


@dataclass(frozen=True)
class GitRemote:
    name: str
    bare_path: Path
    file_url: str
    http_url: str
    ssh_url: str
    http_rw: HttpCredential
    http_ro: HttpCredential
    ssh_rw: SshCredential
    ssh_ro: SshCredential
    ssh_unknown_host_known_hosts: str

    def _repo(self) -> pygit2.Repository:
        return pygit2.Repository(str(self.bare_path))

    def read(self, path: str, branch: str = "main") -> bytes | None:
        """The bytes of ``path`` at the tip of ``branch`` (None if absent)."""
        return read_file(self.bare_path, path, branch)

    def files(self, folder: str, branch: str = "main") -> dict[str, bytes]:
        """Every file under ``folder`` at the tip of ``branch``, by repository path."""
        repo = self._repo()
        ref = repo.references.get(f"refs/heads/{branch}")
        if ref is None:
            return {}
        try:
            top = repo[ref.peel(pygit2.Commit).tree[folder].id]
        except KeyError:
            return {}
        found: dict[str, bytes] = {}

        def walk(node: pygit2.Object, at: str) -> None:
            if isinstance(node, pygit2.Tree):
                for entry in node:
                    walk(repo[entry.id], f"{at}/{entry.name}")
            else:
                found[at] = bytes(node.read_raw())

        walk(top, folder)
        return found

    def refuse_pushes(self, refuse: bool = True) -> None:
        """Make the HTTP server answer pushes to this repo with 503 (or accept them again)."""
        marker = self.bare_path.with_name(f"{self.name}.refuse-pushes")
        if refuse:
            marker.touch()
        else:
            marker.unlink(missing_ok=True)

    def log(self, branch: str = "main") -> list[str]:
        """Commit subjects on ``branch``, newest first."""
        repo = self._repo()
        ref = repo.references.get(f"refs/heads/{branch}")
        if ref is None:
            return []
        walker = repo.walk(ref.target, pygit2.enums.SortMode.TOPOLOGICAL)
        return [commit.message.splitlines()[0] for commit in walker]


def read_file(repository: Path, path: str, branch: str = "main") -> bytes | None:
    """The bytes of ``path`` at the tip of ``branch`` in the repository at ``repository``."""
    repo = pygit2.Repository(str(repository))
    ref = repo.references.get(f"refs/heads/{branch}")
    if ref is None:
        return None
    try:
        entry = ref.peel(pygit2.Commit).tree[path]
    except KeyError:
        return None
    return bytes(repo[entry.id].read_raw())


def _keypair(tools: Tools, path: Path, comment: str) -> tuple[str, str]:
    subprocess.run(
        [
            str(tools.bin("ssh-keygen")),
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            comment,
            "-f",
            str(path),
        ],
        check=True,
        capture_output=True,
    )
    return path.read_text(), path.with_suffix(".pub").read_text().strip()


_FORCED_COMMAND = """#!/bin/sh
# Forced command for the harness sshd: serve repos under ROOT, upload-pack only when read-only.
mode="$1"; root="$2"
set -- $SSH_ORIGINAL_COMMAND
verb="$1"; repo=$(printf '%s' "$2" | tr -d "'" | sed 's|^/||')
case "$verb" in
  git-upload-pack) ;;
  git-receive-pack) [ "$mode" = rw ] || { echo "read-only key: push refused" >&2; exit 1; } ;;
  *) echo "only git is served here" >&2; exit 1 ;;
esac
case "$repo" in *..*) echo "bad path" >&2; exit 1 ;; esac
exec "$verb" "$root/$repo"
"""


@dataclass
class GitServers:
    root: Path
    http_port: int
    ssh_port: int
    ssh_user: str
    http_users: dict[str, tuple[str, str]]
    ssh_rw: SshCredential
    ssh_ro: SshCredential
    ssh_unknown_host_known_hosts: str
    processes: list[ManagedProcess]

    def new_remote(self, *, initial_commit: bool = True) -> GitRemote:
        """A fresh bare repo served on every transport; with one commit on main by default."""
        name = f"repo-{uuid.uuid4().hex[:10]}.git"
        bare = self.root / name
        repo = pygit2.init_repository(str(bare), bare=True, initial_head="main")
        repo.config["http.receivepack"] = True
        if initial_commit:
            blob = repo.create_blob(b"# test remote\n")
            builder = repo.TreeBuilder()
            builder.insert("README.md", blob, pygit2.enums.FileMode.BLOB)
            repo.create_commit("refs/heads/main", _AUTHOR, _AUTHOR, "initial", builder.write(), [])
        rw = next(HttpCredential(u, p) for u, (p, mode) in self.http_users.items() if mode == "rw")
        ro = next(HttpCredential(u, p) for u, (p, mode) in self.http_users.items() if mode == "ro")
        return GitRemote(
            name=name,
            bare_path=bare,
            file_url=f"file://{bare}",
            http_url=f"http://127.0.0.1:{self.http_port}/{name}",
            ssh_url=f"ssh://{self.ssh_user}@127.0.0.1:{self.ssh_port}/{name}",
            http_rw=rw,
            http_ro=ro,
            ssh_rw=self.ssh_rw,
            ssh_ro=self.ssh_ro,
            ssh_unknown_host_known_hosts=self.ssh_unknown_host_known_hosts,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def _start_http(
    workdir: Path, root: Path
) -> tuple[ManagedProcess, int, dict[str, tuple[str, str]]]:
    users = {
        "writer": (secrets.token_hex(12), "rw"),
        "reader": (secrets.token_hex(12), "ro"),
    }
    port = free_port()
    process = _http_process(workdir, root, users, port, "git-http")
    return process, port, users


def _http_process(
    workdir: Path, root: Path, users: dict[str, tuple[str, str]], port: int, name: str
) -> ManagedProcess:
    users_file = workdir / f"{name}-users.json"
    users_file.write_text(json.dumps(users))
    process = ManagedProcess(
        name=name,
        argv=[
            sys.executable,
            "-m",
            "tests.harness.git_http",
            "--port",
            str(port),
            "--root",
            str(root),
            "--users",
            str(users_file),
        ],
        log_path=workdir / "logs" / f"{name}.log",
        cwd=Path(__file__).resolve().parents[2],
    ).start()
    process.wait_ready(lambda: _port_open(port), timeout=30)
    return process


@dataclass
class RestartableHttpServer:
    """A smart-HTTP git server of its own, on a fixed port, that a test takes down
    (``down``: the process is stopped, connections are refused) and brings back
    (``up``: a new process on the same port, serving the same repositories)."""

    workdir: Path
    root: Path
    users: dict[str, tuple[str, str]]
    port: int
    name: str
    process: ManagedProcess | None = None

    def serve(self, remote: GitRemote) -> GitRemote:
        """``remote`` (a repo under ``root``) as this server serves it over HTTP."""
        return replace(remote, http_url=f"http://127.0.0.1:{self.port}/{remote.name}")

    def up(self) -> None:
        if self.process is None or not self.process.alive():
            self.process = _http_process(self.workdir, self.root, self.users, self.port, self.name)

    def down(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.stop()
            self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, but nothing answers."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.alive():
            os.kill(self.process.pid, signal.SIGCONT)

    @property
    def is_up(self) -> bool:
        return self.process is not None and self.process.alive()


def start_http_server(servers: GitServers, workdir: Path) -> RestartableHttpServer:
    """A restartable HTTP server for the repositories (and credentials) of ``servers``."""
    server = RestartableHttpServer(
        workdir=workdir,
        root=servers.root,
        users=dict(servers.http_users),
        port=free_port(),
        name=f"git-http-{uuid.uuid4().hex[:6]}",
    )
    server.up()
    return server


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _start_sshd(
    tools: Tools, workdir: Path, root: Path
) -> tuple[ManagedProcess, int, SshCredential, SshCredential, str]:
    ssh_dir = workdir / "ssh"
    ssh_dir.mkdir(parents=True)
    _, host_public = _keypair(tools, ssh_dir / "host_ed25519", "harness-host")
    _, other_host_public = _keypair(tools, ssh_dir / "other_host_ed25519", "other-host")
    rw_private, rw_public = _keypair(tools, ssh_dir / "client_rw", "writer")
    ro_private, ro_public = _keypair(tools, ssh_dir / "client_ro", "reader")
    forced = ssh_dir / "git-forced-command"
    forced.write_text(_FORCED_COMMAND)
    forced.chmod(0o755)
    options = "no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding"
    authorized = ssh_dir / "authorized_keys"
    authorized.write_text(
        f'command="{forced} rw {shlex.quote(str(root))}",{options} {rw_public}\n'
        f'command="{forced} ro {shlex.quote(str(root))}",{options} {ro_public}\n'
    )
    authorized.chmod(0o600)
    port = free_port()
    user = getpass.getuser()
    config = ssh_dir / "sshd_config"
    config.write_text(
        f"""ListenAddress 127.0.0.1
Port {port}
HostKey {ssh_dir / "host_ed25519"}
PidFile none
AuthorizedKeysFile {authorized}
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers {user}
LogLevel VERBOSE
"""
    )
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)
    process = ManagedProcess(
        name="sshd",
        argv=[str(tools.bin("sshd")), "-D", "-e", "-f", str(config)],
        log_path=workdir / "logs" / "sshd.log",
    ).start()
    # A probe connection would leave a per-connection sshd behind; the log says when it listens.
    process.wait_ready(lambda: "Server listening" in process.log_path.read_text(), timeout=30)
    host = f"[127.0.0.1]:{port}"
    known_hosts = f"{host} {' '.join(host_public.split()[:2])}\n"
    unknown = f"{host} {' '.join(other_host_public.split()[:2])}\n"
    return (
        process,
        port,
        SshCredential(rw_private, rw_public, known_hosts),
        SshCredential(ro_private, ro_public, known_hosts),
        unknown,
    )


def start_git_servers(tools: Tools, workdir: Path) -> GitServers:
    root = workdir / "repos"
    root.mkdir(parents=True)
    http, http_port, users = _start_http(workdir, root)
    try:
        sshd, ssh_port, ssh_rw, ssh_ro, unknown = _start_sshd(tools, workdir, root)
    except BaseException:
        http.stop()
        raise
    return GitServers(
        root=root,
        http_port=http_port,
        ssh_port=ssh_port,
        ssh_user=getpass.getuser(),
        http_users=users,
        ssh_rw=ssh_rw,
        ssh_ro=ssh_ro,
        ssh_unknown_host_known_hosts=unknown,
        processes=[http, sshd],
    )
