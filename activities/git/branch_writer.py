"""The branch writer: the one place that commits and pushes for a (remote, branch).

Callers ``submit`` changes (each gets a sequence number) and ``flush`` when the
batch policy says so (``push_due`` / ``next_push_at``), or right away for a
snapshot. ``submit`` refuses a change that can never be written (a plaintext
Secret file, a prune path outside the repository) with its typed error, so it
never enters the queue; should the commit step still refuse one, that change
alone is dropped and listed in the next ``PushResult.refused``. A flush builds
commits for everything pending on the last known remote tip and pushes them.

A branch the remote lacks is created from the remote's default branch (the
one remote HEAD names; ``main`` or ``master`` when HEAD is not advertised): the
first commit's parent is that branch's tip, so the new branch holds its files.
Only an empty remote gets a root commit.

If the remote moved, a flush fetches, re-applies the pending file states on the
new tip and pushes again at once, never forcing, up to
``ConflictPolicy.attempts`` pushes; then it raises ``ConflictRetriesExhausted``
(retryable). It never sleeps: waiting between tries is the caller's retry
policy's job, and a wait here would hold the branch's lock, and so every other
target on the branch. A ``cancel`` event, checked before each push, ends a
flush with ``WriterCancelled``. Every failure is a typed error (a local libgit2
or file system failure is ``GitOperationFailed``) and keeps the changes pending
for the next flush. Pending changes live in memory only: a caller advances its
watch checkpoints from ``PushResult.pushed_through``, so a crash loses nothing
that is not replayed.

A change's claim (see ``fence``) is checked on the tip each commit builds on, so a
superseded attempt's changes are refused there; ``withdraw`` takes an ending
attempt's changes out of the queue, so no later flush (another target's, on this
worker) pushes them after the attempt's successor wrote newer ones.

``read_file``, ``fence_of``, ``branch_exists`` and ``find_operation`` answer from the last
fetch: the remote as this writer last saw it, without the changes still pending.
``known_versions`` answers from memory: the source versions whose blobs the
writer's last snapshot of a target wrote (see ``snapshot``).
``check_write_access`` asks the remote whether the credentials may push,
changing nothing there.

Keeps a bare clone in a cache folder (disposable: rebuilt when unreadable).
Its pushes search deltas against one neighbouring object instead of ten (see
``_open_cache``): that halves the CPU of pushing a snapshot of thousands of files.
All repository access is serialised by one lock per writer; ``submit`` only
takes the queue lock, so producers never wait for the network. No Temporal,
no Kubernetes: a plain library.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pygit2

from activities.git.batching import BatchPolicy
from activities.git.changes import (
    AppliedChange,
    Change,
    CommitMode,
    FileState,
    FoundOperation,
    PushResult,
    RefusedChange,
    target_folder,
)
from activities.git.commits import Built, Pending, build_commits, screened
from activities.git.credentials import Credentials, redact_url
from activities.git.errors import (
    ConflictRetriesExhausted,
    GitError,
    GitOperationFailed,
    PushRejected,
    WriterCancelled,
)
from activities.git.fence import Claim, Fence, fence_path, parse_fence
from activities.git.history import find_operation
from activities.git.transport import (
    Endpoint,
    RemoteMoved,
    WriteAccess,
    check_write_access,
    configure_timeouts,
    fetch_branch,
    list_heads,
    push_branch,
)
from activities.git.versions import SourceVersions
from activities.metrics import COMMITS, PUSH_FAILURES, PUSHES, QUEUE_DEPTH, PushFailureKind

__all__ = ["BranchWriter", "Committer", "ConflictPolicy", "WriterConfig"]

_log = logging.getLogger(__name__)

# The tip of the remote's default branch, kept while the remote lacks our branch.
_DEFAULT_TIP = "refs/gitops-reverser/default-branch"


@dataclass(frozen=True)
class Committer:
    name: str = "gitops-reverser"
    email: str = "gitops-reverser@configbutler.ai"


@dataclass(frozen=True)
class ConflictPolicy:
    """How many pushes one flush makes while someone else's pushes keep overtaking it.

    Each rejected push is followed at once by a fetch and a re-apply on the new
    tip; there is no backoff here (see the module docstring).
    """

    attempts: int = 6

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a flush makes at least one push attempt")


@dataclass(frozen=True)
class WriterConfig:
    url: str
    branch: str
    cache_dir: Path
    credentials: Credentials | None = field(default=None, repr=False)
    committer: Committer = field(default_factory=Committer)
    batch: BatchPolicy = field(default_factory=BatchPolicy)
    commit_mode: CommitMode = CommitMode.BATCH
    conflicts: ConflictPolicy = field(default_factory=ConflictPolicy)


class BranchWriter:
    """Serialises every commit and push for one branch of one remote."""

    def __init__(
        self, config: WriterConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._config = config
        self._clock = clock
        self._repo_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._pending: list[Pending] = []
        self._refused: list[RefusedChange] = []
        self._next_sequence = 1
        self._pushed_through = 0
        self._repo: pygit2.Repository | None = None
        self._versions = SourceVersions()
        self._branch_exists: bool | None = None
        self._tracking = f"refs/remotes/origin/{config.branch}"
        self._local = f"refs/heads/{config.branch}"
        self._labels = (redact_url(config.url), config.branch)
        configure_timeouts()

    @property
    def config(self) -> WriterConfig:
        return self._config

    @property
    def pushed_through(self) -> int:
        """Highest sequence whose change (and every one before it) is on the remote."""
        return self._pushed_through

    @property
    def branch_exists(self) -> bool | None:
        """Whether the remote has the branch, as of the last fetch or push; ``None`` before any."""
        return self._branch_exists

    @property
    def versions(self) -> SourceVersions:
        """The blobs this writer's snapshots wrote, by source version (see ``snapshot``)."""
        return self._versions

    def known_versions(self, target_path: str) -> dict[str, str]:
        """Path to source version of each file the last snapshot of ``target_path`` wrote.

        A snapshot may name these files by version alone; see ``snapshot``.
        """
        return self._versions.known(target_folder(target_path))

    @property
    def pending(self) -> int:
        with self._queue_lock:
            return len(self._pending)

    def reconfigure(self, config: WriterConfig) -> None:
        """Adopt new credentials, identity or policies; the remote and branch must stay."""
        if (config.url, config.branch) != (self._config.url, self._config.branch):
            raise ValueError("a branch writer is bound to one remote URL and branch")
        with self._repo_lock:
            self._config = config

    def open(self) -> str | None:
        """Prepare the local clone and fetch; the branch's remote tip (``None``: it is missing)."""
        with self._repo_lock:
            try:
                self._fetch()
            except (pygit2.GitError, OSError) as error:
                raise self._operation_failed(error) from error
            return self._remote_tip_hex()

    def check_write_access(self) -> WriteAccess:
        """Whether the credentials may push here, checked without changing the remote.

        ``WriteAccessDenied`` for credentials that may read but not push; what reading
        meets (``AuthenticationFailed``, ``NetworkError``, ...) otherwise. Fetches
        nothing: ``branch_exists`` and the clone stay as they were.
        """
        with self._repo_lock:
            try:
                repo = self._ensure_repo()
            except (pygit2.GitError, OSError) as error:
                raise self._operation_failed(error) from error
            return check_write_access(self._endpoint(), self._config.branch, repo=repo)

    def read_file(self, path: str) -> bytes | None:
        """The bytes of ``path`` at the last fetched remote tip; ``None`` when it holds none.

        For a branch the remote lacks, that is the default branch's tip the branch will
        be created from. Fetches first when this writer has not fetched yet. Reads only
        what the remote has: changes still pending are not seen.
        """
        FileState(path, None)  # refuses a path no commit can hold
        with self._repo_lock:
            try:
                if self._branch_exists is None:
                    self._fetch()
                return self._read(path)
            except (pygit2.GitError, OSError) as error:
                raise self._operation_failed(error) from error

    def fence_of(self, folder: str) -> Fence | None:
        """The fence of target folder ``folder`` at the last fetched tip (see ``fence``)."""
        return parse_fence(self.read_file(fence_path(folder)))

    def find_operation(
        self, operation_id: str, *, path: str = "", below: str | None = None, depth: int = 200
    ) -> FoundOperation | None:
        """The commit that carries ``operation_id``, and what it changed under ``path``.

        Walks the newest ``depth`` commits of the branch's first-parent history from
        the last fetched remote tip (fetching first when this writer has not yet), or
        from the first parent of commit ``below``, so a retried operation can report
        the push its first try made. ``path`` is a target path (``""``: the whole
        repository).
        """
        folder = target_folder(path)
        with self._repo_lock:
            try:
                if self._branch_exists is None:
                    self._fetch()
                repo = self._ensure_repo()
                start = self._remote_tip() if below is None else _first_parent(repo, below)
                return find_operation(repo, start, operation_id, folder, depth)
            except (pygit2.GitError, OSError) as error:
                raise self._operation_failed(error) from error

    def submit(self, change: Change) -> int:
        """Queue ``change`` for the next flush; its sequence number for acknowledgement.

        Raises the change's own error, queueing nothing, when it can never be written.
        """
        change = screened(change)
        with self._queue_lock:
            sequence = self._next_sequence
            self._next_sequence += 1
            self._pending.append(Pending(sequence, change, queued_at=self._clock()))
            self._publish_depth()
        return sequence

    def withdraw(self, folder: str, fence: Fence) -> int:
        """Drop the pending changes ``fence`` claimed ``folder`` for; how many were dropped."""
        with self._queue_lock:
            kept = [p for p in self._pending if not _claimed(p.change.claim, folder, fence)]
            dropped = len(self._pending) - len(kept)
            self._pending = kept
            self._publish_depth()
        return dropped

    def push_due(self) -> bool:
        """True when the batch policy says the pending changes must be pushed now."""
        with self._queue_lock:
            return self._config.batch.is_due(len(self._pending), self._oldest(), self._clock())

    def next_push_at(self) -> float | None:
        """Monotonic time by which pending changes must be flushed; ``None`` when none wait."""
        with self._queue_lock:
            return self._config.batch.due_at(self._oldest())

    def flush(self, cancel: threading.Event | None = None) -> PushResult:
        """Commit and push everything pending; see the module docstring for conflicts.

        ``WriterCancelled`` when ``cancel`` is set before a push: changes stay pending.
        """
        with self._repo_lock:
            return self._flush_locked(cancel)

    def write_now(
        self, change: Change, cancel: threading.Event | None = None
    ) -> tuple[AppliedChange, PushResult]:
        """Submit ``change`` and flush it with everything queued before it, as one step.

        For operations that must report their own outcome (a snapshot): no other
        flush can take the change away between submitting and pushing. ``change`` is
        applied last, so where it and a queued change touch the same file, ``change``
        wins (see ``snapshot`` for what that means for watch checkpoints). Should the
        flush fail or be cancelled, ``change`` stays queued like every other.
        """
        with self._repo_lock:
            sequence = self.submit(change)
            result = self._flush_locked(cancel)
        for refused in result.refused:
            if refused.sequence == sequence:
                raise refused.error
        return next(a for a in result.applied if a.sequence == sequence), result

    def _flush_locked(self, cancel: threading.Event | None) -> PushResult:
        with self._queue_lock:
            batch = list(self._pending)
        if not batch:
            return self._result(None, (), attempts=0)
        try:
            built, attempts = self._push_with_retries(batch, cancel)
        except GitError as error:
            PUSH_FAILURES.labels(*self._labels, error.reason).inc()
            raise
        except (pygit2.GitError, OSError) as error:
            failure = self._operation_failed(error)
            PUSH_FAILURES.labels(*self._labels, failure.reason).inc()
            raise failure from error
        self._acknowledge(batch)
        return self._result(built, batch, attempts)

    def _operation_failed(self, error: Exception) -> GitOperationFailed:
        """A local git failure (object store, cache clone, pack) as the writer's typed error."""
        return GitOperationFailed(f"{self._config.branch}: {type(error).__name__}: {error}")

    def _push_with_retries(
        self, batch: list[Pending], cancel: threading.Event | None
    ) -> tuple[Built, int]:
        repo = self._ensure_repo()
        attempt = 0
        # Until the first fetch, a missing branch cannot be told from one we never saw.
        verified = self._branch_exists is None
        if verified:
            self._fetch()
        while True:
            base = self._base()
            built = build_commits(repo, base, batch, self._config.commit_mode, self._signature())
            self._drop(built.refused)
            if built.tip is None or built.tip == base:
                if verified:
                    return built, attempt
                # Nothing to commit on the tip we knew: make sure it is still the remote's.
                self._fetch()
                verified = True
                continue
            verified = True
            if cancel is not None and cancel.is_set():
                raise WriterCancelled(f"{self._config.branch}: cancelled before push {attempt + 1}")
            attempt += 1
            if self._pushed(built.tip, base, attempt):
                COMMITS.labels(*self._labels).inc(len(built.commits))
                return built, attempt

    def _pushed(self, tip: pygit2.Oid, base: pygit2.Oid | None, attempt: int) -> bool:
        """Push ``tip``; ``False`` when the remote moved and the batch must be re-applied."""
        try:
            self._push(tip)
        except RemoteMoved as moved:
            PUSH_FAILURES.labels(*self._labels, PushFailureKind.REMOTE_MOVED).inc()
            self._after_rejection(base, moved, attempt)
            return False
        PUSHES.labels(*self._labels).inc()
        return True

    def _after_rejection(self, base: pygit2.Oid | None, moved: RemoteMoved, attempt: int) -> None:
        self._fetch()
        if self._base() == base:
            raise PushRejected(f"{self._config.branch}: the remote refused the update: {moved}")
        _log.info("branch %s moved on the remote; re-applying pending changes", self._config.branch)
        if attempt >= self._config.conflicts.attempts:
            raise ConflictRetriesExhausted(
                f"{self._config.branch}: the remote moved during each of {attempt} pushes"
            )

    def _push(self, tip: pygit2.Oid) -> None:
        repo = self._ensure_repo()
        repo.references.create(self._local, tip, force=True)
        push_branch(repo, self._endpoint(), self._local, self._config.branch)
        repo.references.create(self._tracking, tip, force=True)
        self._branch_exists = True

    def _drop(self, refused: Sequence[RefusedChange]) -> None:
        """Take refused changes out of the queue for good; the next result reports them."""
        if not refused:
            return
        with self._queue_lock:
            queued = {p.sequence for p in self._pending}
            fresh = [r for r in refused if r.sequence in queued]
            dropped = {r.sequence for r in fresh}
            self._pending = [p for p in self._pending if p.sequence not in dropped]
            self._refused.extend(fresh)
            self._publish_depth()
        for r in fresh:
            _log.warning(
                "branch %s: dropped change %d: %s", self._config.branch, r.sequence, r.error
            )

    def _acknowledge(self, batch: list[Pending]) -> None:
        done = {p.sequence for p in batch}
        with self._queue_lock:
            self._pending = [p for p in self._pending if p.sequence not in done]
            self._pushed_through = batch[-1].sequence
            self._publish_depth()

    def _oldest(self) -> float | None:
        """When the longest-waiting pending change was submitted; call with the queue lock."""
        return min((p.queued_at for p in self._pending), default=None)

    def _result(self, built: Built | None, batch: Sequence[Pending], attempts: int) -> PushResult:
        applied: tuple[AppliedChange, ...] = built.applied if built else ()
        with self._queue_lock:
            refused, self._refused = tuple(self._refused), []
        return PushResult(
            head=self._remote_tip_hex(),
            commits=tuple(str(oid) for oid in built.commits) if built else (),
            applied=applied,
            pushed_through=self._pushed_through,
            checkpoints=tuple(p.change.checkpoint for p in batch if p.change.checkpoint),
            attempts=attempts,
            refused=refused,
        )

    def _fetch(self) -> None:
        repo = self._ensure_repo()
        endpoint = self._endpoint()
        fetch_branch(repo, endpoint, self._config.branch, self._tracking)
        self._branch_exists = self._remote_tip() is not None
        if not self._branch_exists:
            self._fetch_default_branch(repo, endpoint)

    def _fetch_default_branch(self, repo: pygit2.Repository, endpoint: Endpoint) -> None:
        """Fetch the tip our missing branch starts from; forget it when the remote has none."""
        default = list_heads(repo, endpoint).default_branch
        if default is not None and default != self._config.branch:
            fetch_branch(repo, endpoint, default, _DEFAULT_TIP)
        elif repo.references.get(_DEFAULT_TIP) is not None:
            repo.references.delete(_DEFAULT_TIP)

    def _base(self) -> pygit2.Oid | None:
        """What the next commit builds on: the branch's tip, else the default branch's."""
        tip = self._remote_tip()
        if tip is not None:
            return tip
        reference = self._ensure_repo().references.get(_DEFAULT_TIP)
        target = reference.target if reference is not None else None
        return target if isinstance(target, pygit2.Oid) else None

    def _read(self, path: str) -> bytes | None:
        tip = self._base()
        if tip is None:
            return None
        repo = self._ensure_repo()
        try:
            entry = repo[tip].peel(pygit2.Commit).tree[path]
        except KeyError:
            return None
        blob = repo[entry.id]
        return blob.data if isinstance(blob, pygit2.Blob) else None

    def _remote_tip(self) -> pygit2.Oid | None:
        reference = self._ensure_repo().references.get(self._tracking)
        target = reference.target if reference is not None else None
        return target if isinstance(target, pygit2.Oid) else None

    def _remote_tip_hex(self) -> str | None:
        tip = self._remote_tip()
        return str(tip) if tip is not None else None

    def _ensure_repo(self) -> pygit2.Repository:
        if self._repo is None:
            self._repo = _open_cache(self._cache_path())
        return self._repo

    def _cache_path(self) -> Path:
        key = hashlib.sha256(f"{self._config.url}\n{self._config.branch}".encode()).hexdigest()
        return self._config.cache_dir / f"{key[:24]}.git"

    def _endpoint(self) -> Endpoint:
        return Endpoint(
            url=self._config.url,
            credentials=self._config.credentials,
            ssh_homes=self._config.cache_dir / "ssh-homes",
        )

    def _signature(self) -> pygit2.Signature:
        return pygit2.Signature(self._config.committer.name, self._config.committer.email)

    def _publish_depth(self) -> None:
        QUEUE_DEPTH.labels(*self._labels).set(sum(len(p.change.files) for p in self._pending))


def _claimed(claim: Claim | None, folder: str, fence: Fence) -> bool:
    return claim is not None and (claim.folder, claim.fence) == (folder, fence)


def _open_cache(path: Path) -> pygit2.Repository:
    """The bare cache clone at ``path``, created (or re-created when unreadable) as needed."""
    repo = _existing_cache(path)
    if repo is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        repo = pygit2.init_repository(str(path), bare=True)
    # Pushes search deltas against one neighbour only (libgit2 keeps at least one object
    # in the window): manifests of one kind sort next to each other by file name and
    # size, so that finds most deltas, at half the CPU of the 10-object window.
    config = repo.config
    if "pack.windowMemory" not in config or config.get_int("pack.windowMemory") != 1:
        config["pack.windowMemory"] = 1
    return repo


def _existing_cache(path: Path) -> pygit2.Repository | None:
    if not path.exists():
        return None
    try:
        return pygit2.Repository(str(path))
    except pygit2.GitError:
        _log.warning("cache clone %s is unreadable; starting a fresh one", path)
        shutil.rmtree(path)
        return None


def _first_parent(repo: pygit2.Repository, commit: str) -> pygit2.Oid | None:
    parents = repo[commit].peel(pygit2.Commit).parent_ids
    return parents[0] if parents else None
