"""Listing, fetching and pushing one branch with libgit2, turning its failures into typed errors.

Strict SSH host key checking: libgit2 (libssh2) reads ``$HOME/.ssh/known_hosts``
where HOME is libgit2's process-wide home directory. Each SSH operation writes
the credential's known_hosts into a private home folder (one per distinct
known_hosts content) and points the home directory there under a process-wide
lock, so concurrent writers with different known_hosts never see each other's.
libgit2 reads known_hosts once per SSH connection, while setting it up, and
then calls the certificate callback; one fetch or push opens one connection.
So the lock is held only until that callback runs (or the operation ends
first): the transfer itself runs unlocked, and a remote that stalls after the
handshake holds up no other SSH writer. What the lock still covers is TCP
connect and the SSH handshake, bounded by the connect and I/O timeouts. A
second connection within one operation would find the home directory
restored, so the callback refuses it (fail closed) instead of trusting
another known_hosts. The callback accepts exactly what libgit2 verified: an
unknown or changed host key ends the connection before any credential is
offered. Non-SSH operations never read known_hosts and take no lock.

Credentials are offered once per operation: a refusal ends the operation with
``AuthenticationFailed`` instead of libgit2 asking again forever.

libgit2 reports local file system trouble in the words of remote trouble ("No
such file or directory", "Permission denied", "object not found"), so a failure
whose message names the local clone or the SSH home folders, or comes from the
local object database, and every ``OSError``, is ``GitOperationFailed`` before
any remote reason is considered.

``check_write_access`` tells credentials that may read but not push
(``WriteAccessDenied``) from ones that may not even read: it lists the refs in
fetch direction, then opens, and drops, a connection in push direction, which
receives the receive-pack advertisement and sends no update.

Never force-pushes (refspecs carry no ``+``), never logs credentials, and does
nothing but network transfer: no commits, no trees.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pygit2
from pygit2.enums import CredentialType
from pygit2.remotes import RemoteHead

from activities.git.credentials import (
    Credentials,
    SshCredentials,
    Transport,
    redact,
    redact_url,
    transport_of,
)
from activities.git.errors import (
    AuthenticationFailed,
    CertificateUntrusted,
    GitError,
    GitOperationFailed,
    HostKeyMismatch,
    HostKeyUnknown,
    NetworkError,
    RepositoryNotFound,
    WriteAccessDenied,
)
from activities.git.known_hosts import host_is_listed

__all__ = [
    "Endpoint",
    "RemoteHeads",
    "RemoteMoved",
    "WriteAccess",
    "check_write_access",
    "configure_timeouts",
    "fetch_branch",
    "list_heads",
    "push_branch",
]

_SSH_DEFAULT_USER = "git"
_BRANCH_PREFIX = "refs/heads/"
# Where a remote that does not advertise HEAD most likely keeps its default branch.
_USUAL_DEFAULT_BRANCHES = ("main", "master")
# libgit2's GIT_DIRECTION_PUSH; pygit2 1.21 has no enum member for it.
_DIRECTION_PUSH = 1
_CONNECT_TIMEOUT_MS = 30_000
_IO_TIMEOUT_MS = 120_000
_HOME_LOCK = threading.Lock()

_NON_FAST_FORWARD = re.compile(
    r"not present locally|non-?fast-?forward|fetch first|failed to (update|lock) ref"
    r"|cannot lock ref|stale info",
    re.IGNORECASE,
)
# libgit2's object database speaking: objects missing or unreadable in the local clone.
_LOCAL_STORE = re.compile(
    r"object not found|failed to find pack entry|loose object|cannot read header", re.IGNORECASE
)
_CLASSIFIED: tuple[tuple[re.Pattern[str], type[GitError]], ...] = (
    (
        re.compile(
            r"status code: 40[13]|authenticat|read[- ]only|not allowed to push|write access"
            r"|permission denied|access denied|forbidden",
            re.IGNORECASE,
        ),
        AuthenticationFailed,
    ),
    (
        re.compile(
            r"status code: 404|not found|does not appear to be a git repository"
            r"|could not find repository|failed to resolve path|no such file or directory",
            re.IGNORECASE,
        ),
        RepositoryNotFound,
    ),
    (
        re.compile(
            r"failed to connect|failed to resolve address|timed out|connection|early eof"
            r"|unexpected eof|failed to start ssh session|ssl|tls|socket|network|broken pipe",
            re.IGNORECASE,
        ),
        NetworkError,
    ),
)


class RemoteMoved(Exception):
    """The remote branch is not where our commit's parent says: fetch and re-apply."""


@dataclass(frozen=True)
class Endpoint:
    """A remote URL with the credentials for it, and where SSH home folders may be kept."""

    url: str
    credentials: Credentials | None
    ssh_homes: Path


@dataclass(frozen=True)
class RemoteHeads:
    """What a remote advertises: each branch's tip (name to sha) and the branch HEAD names."""

    branches: Mapping[str, str]
    head: str | None

    @property
    def default_branch(self) -> str | None:
        """HEAD's branch; without one, ``main`` or ``master`` when the remote has it."""
        if self.head is not None and self.head in self.branches:
            return self.head
        return next((name for name in _USUAL_DEFAULT_BRANCHES if name in self.branches), None)


@dataclass(frozen=True)
class WriteAccess:
    """What the write-access check saw of the remote: the branch's tip and the default branch."""

    tip: str | None
    """The sha the remote's branch points at; ``None`` when the remote lacks the branch."""
    default_branch: str | None
    """The branch a missing branch is created from; ``None`` for an empty remote."""

    @property
    def branch_exists(self) -> bool:
        return self.tip is not None


def configure_timeouts() -> None:
    """Bound libgit2's connect and I/O waits so a dead server fails instead of hanging.

    Process-wide; left alone when something already configured them.
    """
    if not pygit2.settings.server_connect_timeout:
        pygit2.settings.server_connect_timeout = _CONNECT_TIMEOUT_MS
    if not pygit2.settings.server_timeout:
        pygit2.settings.server_timeout = _IO_TIMEOUT_MS


def fetch_branch(repo: pygit2.Repository, endpoint: Endpoint, branch: str, tracking: str) -> None:
    """Update ``tracking`` to the remote branch's tip; delete it when the branch is gone."""
    refspec = f"+refs/heads/{branch}:{tracking}"

    def fetch(remote: pygit2.Remote, callbacks: _Callbacks) -> None:
        remote.fetch([refspec], callbacks=callbacks, prune=pygit2.enums.FetchPrune.PRUNE)

    _run(repo, endpoint, fetch)


def list_heads(repo: pygit2.Repository, endpoint: Endpoint) -> RemoteHeads:
    """The remote's branches and its HEAD, as ``git ls-remote`` lists them; changes nothing."""
    advertised: list[RemoteHead] = []

    def list_them(remote: pygit2.Remote, callbacks: _Callbacks) -> None:
        advertised.extend(remote.list_heads(callbacks=callbacks))

    _run(repo, endpoint, list_them)
    return _remote_heads(advertised)


def check_write_access(
    endpoint: Endpoint, branch: str, *, repo: pygit2.Repository | None = None
) -> WriteAccess:
    """Whether the credentials may push to the remote, found without changing anything there.

    First lists the remote's refs as a fetch does, which raises what reading
    meets (``AuthenticationFailed``, ``NetworkError``, ``RepositoryNotFound``, host
    key and certificate errors); then opens a push connection, which fetches the
    receive-pack advertisement and sends no update. A refusal there, once reading
    worked, is ``WriteAccessDenied``. libgit2 talks to remotes only on behalf of a
    repository: without ``repo``, an empty scratch one in the temporary folder
    serves, and is removed afterwards; nothing is fetched into either.
    """
    if repo is not None:
        return _check_write_access(repo, endpoint, branch)
    try:
        with tempfile.TemporaryDirectory(prefix="gitops-reverser-probe-") as scratch:
            probe = pygit2.init_repository(scratch, bare=True)
            try:
                return _check_write_access(probe, endpoint, branch)
            finally:
                probe.free()
    except OSError as error:
        raise _local_failure(endpoint, error) from None


def _check_write_access(repo: pygit2.Repository, endpoint: Endpoint, branch: str) -> WriteAccess:
    heads = list_heads(repo, endpoint)

    def connect_for_push(remote: pygit2.Remote, callbacks: _Callbacks) -> None:
        remote.connect(callbacks=callbacks, direction=_DIRECTION_PUSH)

    try:
        _run(repo, endpoint, connect_for_push)
    except AuthenticationFailed as refused:
        raise WriteAccessDenied(f"the credentials may read but not push: {refused}") from None
    return WriteAccess(tip=heads.branches.get(branch), default_branch=heads.default_branch)


def _remote_heads(advertised: Sequence[RemoteHead]) -> RemoteHeads:
    branches = {
        head.name.removeprefix(_BRANCH_PREFIX): str(head.oid)
        for head in advertised
        if head.name and head.name.startswith(_BRANCH_PREFIX)
    }
    target = next((h.symref_target for h in advertised if h.name == "HEAD"), None)
    head = (
        target.removeprefix(_BRANCH_PREFIX)
        if target and target.startswith(_BRANCH_PREFIX)
        else None
    )
    return RemoteHeads(branches=branches, head=head)


def push_branch(repo: pygit2.Repository, endpoint: Endpoint, local: str, branch: str) -> None:
    """Fast-forward the remote ``branch`` to the commit at ``local``.

    ``RemoteMoved`` when the remote has commits we lack; the typed errors for the rest.
    """

    def push(remote: pygit2.Remote, callbacks: _Callbacks) -> None:
        remote.push([f"{local}:refs/heads/{branch}"], callbacks=callbacks)

    callbacks = _run(repo, endpoint, push)
    if callbacks.rejections:
        raise RemoteMoved("; ".join(callbacks.rejections))


def _run(
    repo: pygit2.Repository,
    endpoint: Endpoint,
    operation: Callable[[pygit2.Remote, _Callbacks], None],
) -> _Callbacks:
    """Run ``operation`` on an anonymous remote for ``endpoint``; its failures typed."""
    try:
        callbacks = _Callbacks(endpoint)
    except OSError as error:
        raise _local_failure(endpoint, error) from None
    try:
        with callbacks.home:
            operation(repo.remotes.create_anonymous(endpoint.url), callbacks)
    except GitError:
        raise
    except OSError as error:
        raise _local_failure(endpoint, error) from None
    except pygit2.GitError as error:
        raise _translate(_local_paths(repo, endpoint), endpoint, callbacks, str(error)) from None
    return callbacks


def _local_failure(endpoint: Endpoint, error: OSError) -> GitOperationFailed:
    message = redact(str(error), endpoint.credentials)
    return GitOperationFailed(f"{redact_url(endpoint.url)}: local I/O failed: {message}")


def _local_paths(repo: pygit2.Repository, endpoint: Endpoint) -> frozenset[str]:
    """This machine's folders an operation writes: the clone and the SSH home folders."""
    folders = (Path(repo.path), endpoint.ssh_homes)
    return frozenset(str(p) for folder in folders for p in (folder, folder.resolve()))


def _translate(
    local_paths: frozenset[str], endpoint: Endpoint, callbacks: _Callbacks, message: str
) -> Exception:
    if callbacks.identity_rejected:
        return _identity_error(endpoint)
    # libgit2 may quote the URL it was given, user-info and all.
    message = redact(message.strip(), endpoint.credentials)
    where = redact_url(endpoint.url)
    # Before the remote's reasons: "Permission denied" on our own clone is no refusal.
    if _LOCAL_STORE.search(message) or any(path in message for path in local_paths):
        return GitOperationFailed(f"{where}: local git failure: {message}")
    if _NON_FAST_FORWARD.search(message):
        return RemoteMoved(message)
    for pattern, error_type in _CLASSIFIED:
        if pattern.search(message):
            return error_type(f"{where}: {message}")
    return GitOperationFailed(f"{where}: {message}")


def _identity_error(endpoint: Endpoint) -> GitError:
    """Why the server's identity was refused: its TLS certificate, or its SSH host key."""
    where = redact_url(endpoint.url)
    if transport_of(endpoint.url) is not Transport.SSH:
        return CertificateUntrusted(f"{where}: the server's TLS certificate is not trusted")
    credentials = endpoint.credentials
    if not isinstance(credentials, SshCredentials):
        return HostKeyUnknown(f"{where}: no known_hosts to check the SSH host key against")
    host, port = _ssh_host_port(endpoint.url)
    if host_is_listed(credentials.known_hosts, host, port):
        return HostKeyMismatch(f"{where}: the host key differs from the one in known_hosts")
    return HostKeyUnknown(f"{where}: known_hosts has no key for {host}")


class _Callbacks(pygit2.RemoteCallbacks):
    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__()
        self._offered = False
        self._credential_source = endpoint.credentials
        self.home = _HomeLease(endpoint)
        self.identity_rejected = False
        self.rejections: list[str] = []

    def credentials(
        self, url: str, username_from_url: str | None, allowed_types: CredentialType
    ) -> pygit2.Username | pygit2.UserPass | pygit2.KeypairFromMemory:
        source = self._credential_source
        if allowed_types == CredentialType.USERNAME:
            return pygit2.Username(username_from_url or _SSH_DEFAULT_USER)
        if source is None:
            raise AuthenticationFailed(f"{redact_url(url)} asks for credentials; none configured")
        if self._offered:
            raise AuthenticationFailed(f"{redact_url(url)} refused the credentials")
        self._offered = True
        if isinstance(source, SshCredentials):
            return pygit2.KeypairFromMemory(
                username_from_url or _SSH_DEFAULT_USER,
                source.public_key,
                source.private_key,
                source.passphrase,
            )
        return pygit2.UserPass(source.username, source.password)

    def certificate_check(self, certificate: None, valid: bool, host: bytes) -> bool:
        # For SSH, ``valid`` is libgit2's known_hosts verdict; for HTTPS, the TLS chain's.
        self.home.known_hosts_read()
        self.identity_rejected = not valid
        return valid

    def push_update_reference(self, refname: str, message: str | None) -> None:
        if message:
            self.rejections.append(f"{refname}: {redact(message, self._credential_source)}")


class _HomeLease:
    """libgit2's home directory pointed at one SSH operation's known_hosts, for as long
    as libgit2 may read it: from the start of the operation until the certificate
    callback of its connection (see the module docstring).
    """

    def __init__(self, endpoint: Endpoint) -> None:
        credentials = endpoint.credentials
        self._home: Path | None = None
        if transport_of(endpoint.url) is Transport.SSH and isinstance(credentials, SshCredentials):
            self._home = _home_with_known_hosts(endpoint.ssh_homes, credentials.known_hosts)
        self._previous: str | None = None
        self._held = False
        self._connected = False

    def __enter__(self) -> None:
        if self._home is None:
            return
        _HOME_LOCK.acquire()
        self._held = True
        self._previous = pygit2.settings.homedir
        pygit2.settings.homedir = str(self._home)

    def __exit__(self, *_exc: object) -> None:
        self._release()

    def known_hosts_read(self) -> None:
        """The certificate callback ran: known_hosts is read, the home may go back."""
        if self._home is None:
            return
        if self._connected:
            raise GitOperationFailed(
                "libgit2 opened a second SSH connection in one operation; "
                "known_hosts is no longer pinned for it, so it is refused"
            )
        self._connected = True
        self._release()

    def _release(self) -> None:
        if not self._held:
            return
        # None resets libgit2 to its own guess of the home directory.
        pygit2.settings.homedir = self._previous  # type: ignore[assignment]
        self._held = False
        _HOME_LOCK.release()


def _home_with_known_hosts(root: Path, known_hosts: bytes) -> Path:
    home = root / hashlib.sha256(known_hosts).hexdigest()[:16]
    target = home / ".ssh" / "known_hosts"
    if not target.is_file() or target.read_bytes() != known_hosts:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = target.with_name(f"known_hosts.{os.getpid()}.{threading.get_ident()}")
        staging.write_bytes(known_hosts)
        staging.replace(target)
    return home


def _ssh_host_port(url: str) -> tuple[str, int | None]:
    if "://" in url:
        parts = urlsplit(url)
        return parts.hostname or "", parts.port
    return url.split("@", 1)[-1].split(":", 1)[0], None
