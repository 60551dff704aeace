"""The branch writer over file:// remotes: commits, batching, conflicts, acknowledgements."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pygit2
import pytest
from prometheus_client import REGISTRY

from activities.git import (
    BatchPolicy,
    Change,
    CommitMode,
    Committer,
    ConflictPolicy,
    ConflictRetriesExhausted,
    FileCounts,
    FileState,
    FoundOperation,
    GitOperationFailed,
    PathOutsideTarget,
    RepositoryNotFound,
    WriterCancelled,
    branch_writer,
    changes,
    transport,
)
from activities.git.commits import Built
from activities.manifests import PlaintextSecretRefused
from tests.integration.git.conftest import BareRepo, WriterFactory, git


def change(
    path: str, content: bytes | None, description: str = "", checkpoint: str | None = None
) -> Change:
    return Change(
        files=(FileState(path, content),),
        description=description or f"write {path}",
        checkpoint=checkpoint,
    )


class TestCommits:
    def test_pending_changes_become_one_commit_in_batch_mode(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n", "create ConfigMap ns/a"))
        writer.submit(change("p/b.yaml", b"b\n", "create ConfigMap ns/b"))

        result = writer.flush()

        assert len(result.commits) == 1
        assert remote.log()[0] == "batch of 2 changes: 2 created, 0 updated, 0 deleted"
        assert remote.read("p/a.yaml") == b"a\n"
        assert remote.read("p/b.yaml") == b"b\n"

    def test_per_change_mode_makes_one_commit_per_change(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url, commit_mode=CommitMode.PER_CHANGE)
        writer.submit(change("p/a.yaml", b"a\n", "create ConfigMap ns/a"))
        writer.submit(change("p/a.yaml", None, "delete ConfigMap ns/a"))

        writer.flush()

        assert remote.log()[:2] == ["delete ConfigMap ns/a", "create ConfigMap ns/a"]
        assert remote.read("p/a.yaml") is None

    def test_change_that_alters_nothing_makes_no_commit(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("README.md", b"# repo\n"))
        writer.submit(change("p/never-existed.yaml", None))

        result = writer.flush()

        assert result.commits == ()
        assert remote.log() == ["initial"]
        assert [applied.commit for applied in result.applied] == [None, None]

    def test_committer_identity_is_configurable(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url, committer=Committer("Mirror Bot", "bot@example.com"))
        writer.submit(change("p/a.yaml", b"a\n"))
        writer.flush()
        author = git("log", "-1", "--format=%an <%ae>|%cn <%ce>", "main", cwd=remote.path)
        assert author.strip() == "Mirror Bot <bot@example.com>|Mirror Bot <bot@example.com>"

    def test_first_push_creates_the_branch_in_an_empty_repository(
        self, empty_remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(empty_remote.url)
        assert writer.open() is None
        writer.submit(change("p/a.yaml", b"a\n", "create ConfigMap ns/a"))

        result = writer.flush()

        assert empty_remote.log() == ["create ConfigMap ns/a"]
        assert result.head == empty_remote.tip()


PLAINTEXT_SECRET = change("p/ns/core/secrets/db.sops.yaml", b"kind: Secret\ndata:\n  a: b\n")


class TestReading:
    def test_file_is_read_at_the_remote_tip(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.open()
        assert writer.read_file("README.md") == b"# repo\n"

    def test_read_sees_the_tip_of_the_last_fetch_and_not_pending_changes(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.open()
        remote.push_from_outside("README.md", b"edited\n", "outside edit")
        writer.submit(change("p/a.yaml", b"a\n"))

        assert writer.read_file("README.md") == b"# repo\n"
        assert writer.read_file("p/a.yaml") is None
        writer.open()
        assert writer.read_file("README.md") == b"edited\n"

    def test_read_before_any_fetch_fetches_first(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        assert make_writer(remote.url).read_file("README.md") == b"# repo\n"

    @pytest.mark.parametrize("path", ["absent.yaml", "p", "README.md/below"])
    def test_path_that_holds_no_file_reads_as_none(
        self, remote: BareRepo, make_writer: WriterFactory, path: str
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n"))
        writer.flush()
        assert writer.read_file(path) is None

    def test_branch_exists_is_unknown_until_fetched(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        assert writer.branch_exists is None
        writer.open()
        assert writer.branch_exists is True

    def test_branch_exists_turns_true_when_our_push_creates_the_branch(
        self, empty_remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(empty_remote.url)
        writer.open()
        assert writer.branch_exists is False
        writer.submit(change("p/a.yaml", b"a\n"))
        writer.flush()
        assert writer.branch_exists is True
        assert writer.read_file("p/a.yaml") == b"a\n"


class TestOperations:
    def test_change_with_an_operation_id_gets_a_commit_of_its_own(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n", "write a"))
        writer.submit(replace(change("p/b.yaml", b"b\n", "write b"), operation_id="op-b"))
        writer.submit(change("p/c.yaml", b"c\n", "write c"))

        result = writer.flush()

        assert len(result.commits) == 3
        assert remote.log()[:3] == ["write c", "write b", "write a"]

    def test_found_operation_counts_what_its_commit_changed_under_the_path(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(
            Change((FileState("p/old.yaml", b"o\n"), FileState("p/x.yaml", b"1\n")), "seed")
        )
        files = (
            FileState("p/new.yaml", b"n\n"),
            FileState("p/x.yaml", b"2\n"),
            FileState("p/old.yaml", None),
            FileState("q/elsewhere.yaml", b"e\n"),
        )
        writer.submit(Change(files, "mixed", operation_id="op-1"))
        landed = writer.flush().commits[-1]

        found = writer.find_operation("op-1", path="p")
        whole = writer.find_operation("op-1")

        assert found == FoundOperation(landed, FileCounts(created=1, updated=1, deleted=1))
        assert whole is not None and whole.counts == FileCounts(created=2, updated=1, deleted=1)
        assert writer.find_operation("op-1", path="r") == FoundOperation(landed, FileCounts())

    def test_operation_deeper_than_the_walk_is_not_found(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url, commit_mode=CommitMode.PER_CHANGE)
        writer.submit(replace(change("p/a.yaml", b"a\n"), operation_id="op-deep"))
        for n in range(3):
            writer.submit(change(f"p/{n}.yaml", b"x\n"))
        writer.flush()

        assert writer.find_operation("op-deep", depth=3) is None
        assert writer.find_operation("op-deep", depth=4) is not None
        assert writer.find_operation("op-never") is None

    def test_operation_of_a_root_commit_counts_every_file_as_created(
        self, empty_remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(empty_remote.url)
        writer.submit(replace(change("p/a.yaml", b"a\n"), operation_id="op-root"))
        writer.flush()
        found = writer.find_operation("op-root", path="p")
        assert found is not None and found.counts == FileCounts(created=1)


class TestRefusedChanges:
    def test_plaintext_secret_is_refused_at_submit_and_nothing_is_pushed(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        with pytest.raises(PlaintextSecretRefused):
            writer.submit(PLAINTEXT_SECRET)
        writer.flush()
        assert remote.log() == ["initial"]

    @pytest.mark.parametrize(
        "content",
        [
            b"apiVersion: v1\nkind: Secret\ndata:\n  a: YQ==\n",
            b"kind: ConfigMap\n---\napiVersion: v1\nkind: Secret\nstringData:\n  a: b\n",
            b"apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, data: {a: x}}\n",
            b'apiVersion: v1\nkind: "Secr\\x65t"\ndata:\n  a: YQ==\n',
        ],
        ids=["plain", "second-document", "list-item", "escaped"],
    )
    def test_plaintext_secret_under_any_path_is_refused_and_never_committed(
        self, remote: BareRepo, make_writer: WriterFactory, content: bytes
    ) -> None:
        writer = make_writer(remote.url)
        odd = change("odd/place/notes.txt", content)
        with pytest.raises(PlaintextSecretRefused):
            writer.submit(odd)
        with pytest.raises(PlaintextSecretRefused):
            writer.write_now(odd)
        writer.flush()
        assert remote.log() == ["initial"]
        assert remote.read("odd/place/notes.txt") is None

    def test_config_map_that_mentions_secrets_is_written(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        content = (
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: docs\n"
            b'data:\n  howto: "Each Secret is SOPS-encrypted; kind: Secret \\u2192 .sops.yaml"\n'
        )
        writer = make_writer(remote.url)
        writer.submit(change("p/ns/core/configmaps/docs.yaml", content))
        writer.flush()
        assert remote.read("p/ns/core/configmaps/docs.yaml") == content

    def test_refused_change_leaves_nothing_pending(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        with pytest.raises(PlaintextSecretRefused):
            writer.submit(PLAINTEXT_SECRET)
        assert writer.pending == 0

    def test_valid_change_after_a_refused_one_still_pushes(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        with pytest.raises(PlaintextSecretRefused):
            writer.submit(PLAINTEXT_SECRET)
        later = writer.submit(change("p/a.yaml", b"a\n", "create ConfigMap ns/a"))

        result = writer.flush()

        assert result.pushed_through == later
        assert remote.read("p/a.yaml") == b"a\n"
        assert writer.pending == 0

    def test_prune_path_that_escapes_the_repository_is_refused_at_submit(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        with pytest.raises(PathOutsideTarget):
            writer.submit(Change((), "snapshot", prune="../elsewhere"))
        assert writer.pending == 0

    def test_change_refused_while_building_commits_is_dropped_and_reported(
        self, remote: BareRepo, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Stands for a name libgit2 refuses that our path checks do not know (they once
        # knew only ".git"): submit lets the change through, the commit step cannot.
        monkeypatch.setattr(changes, "is_git_dir_alias", lambda segment: segment == ".git")
        writer = make_writer(remote.url)
        bad = writer.submit(change("backup/GIT~1/ns/core/configmaps/x.yaml", b"x\n"))
        good = writer.submit(change("p/a.yaml", b"a\n", "create ConfigMap ns/a"))

        result = writer.flush()

        assert [(r.sequence, type(r.error)) for r in result.refused] == [(bad, PathOutsideTarget)]
        assert [a.sequence for a in result.applied] == [good]
        assert result.pushed_through == good
        assert remote.log()[0] == "create ConfigMap ns/a"
        assert writer.pending == 0
        assert writer.flush().refused == ()

    def test_change_into_a_windows_name_of_the_git_folder_is_refused_at_submit(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        with pytest.raises(PathOutsideTarget):
            writer.submit(Change((), "snapshot", prune="backup/GIT~1"))
        assert writer.pending == 0


class TestAcknowledgement:
    def test_push_result_acknowledges_sequences_and_checkpoints_in_order(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        first = writer.submit(change("p/a.yaml", b"a\n", checkpoint="rv-10"))
        second = writer.submit(change("p/b.yaml", b"b\n", checkpoint="rv-11"))

        result = writer.flush()

        assert result.pushed_through == second == first + 1
        assert result.checkpoints == ("rv-10", "rv-11")
        assert writer.pending == 0

    def test_failed_push_keeps_changes_pending_and_acknowledges_nothing(
        self, tmp_path_factory: pytest.TempPathFactory, make_writer: WriterFactory
    ) -> None:
        missing = tmp_path_factory.mktemp("gone") / "missing.git"
        writer = make_writer(f"file://{missing}")
        writer.submit(change("p/a.yaml", b"a\n", checkpoint="rv-1"))

        with pytest.raises(RepositoryNotFound):
            writer.flush()

        assert writer.pending == 1
        assert writer.pushed_through == 0

    def test_changes_submitted_after_a_flush_wait_for_the_next(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n"))
        writer.flush()
        later = writer.submit(change("p/b.yaml", b"b\n"))
        assert writer.pending == 1
        assert writer.flush().pushed_through == later


class TestBatching:
    def test_push_is_due_at_max_commits(self, remote: BareRepo, make_writer: WriterFactory) -> None:
        writer = make_writer(remote.url, batch=BatchPolicy(timedelta(hours=1), max_commits=2))
        writer.submit(change("p/a.yaml", b"a\n"))
        assert not writer.push_due()
        writer.submit(change("p/b.yaml", b"b\n"))
        assert writer.push_due()

    def test_push_is_due_when_the_oldest_change_waited_the_interval(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        now = [1000.0]
        writer = make_writer(
            remote.url, batch=BatchPolicy(timedelta(seconds=30), 20), clock=lambda: now[0]
        )
        writer.submit(change("p/a.yaml", b"a\n"))
        now[0] += 10
        writer.submit(change("p/b.yaml", b"b\n"))
        assert writer.next_push_at() == 1030.0
        now[0] = 1030.0
        assert writer.push_due()

    def test_change_submitted_during_a_push_keeps_its_own_waiting_time(
        self, remote: BareRepo, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        now = [1000.0]

        submitted: list[int] = []

        def submit_during_the_first_push() -> None:
            if not submitted:
                now[0] = 1005.0
                submitted.append(writer.submit(change("p/b.yaml", b"b\n")))
                now[0] = 1020.0

        writer = make_writer(
            remote.url, batch=BatchPolicy(timedelta(seconds=30), 20), clock=lambda: now[0]
        )
        pushes_with(monkeypatch, submit_during_the_first_push)
        writer.open()
        remote.push_from_outside("docs/notes.md", b"hi\n", "outside edit")
        writer.submit(change("p/a.yaml", b"a\n"))

        writer.flush()

        assert writer.pending == 1
        assert writer.next_push_at() == 1035.0

    def test_nothing_is_due_after_everything_was_pushed(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url, batch=BatchPolicy(timedelta(0), 1))
        writer.submit(change("p/a.yaml", b"a\n"))
        writer.flush()
        assert not writer.push_due()
        assert writer.next_push_at() is None


class TestConflicts:
    def test_outside_push_before_ours_is_absorbed_without_force(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.open()
        outside = remote.push_from_outside("docs/notes.md", b"hi\n", "outside edit")
        writer.submit(change("p/a.yaml", b"a\n", "create ConfigMap ns/a"))

        result = writer.flush()

        assert result.attempts == 2
        assert remote.is_ancestor(outside)
        assert remote.read("docs/notes.md") == b"hi\n"
        assert remote.read("p/a.yaml") == b"a\n"
        assert remote.log()[:2] == ["create ConfigMap ns/a", "outside edit"]

    def test_our_file_state_wins_over_an_outside_edit_of_the_same_file(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.open()
        outside = remote.push_from_outside("p/a.yaml", b"edited by hand\n", "hand edit")
        writer.submit(change("p/a.yaml", b"live state\n"))

        writer.flush()

        assert remote.read("p/a.yaml") == b"live state\n"
        assert remote.is_ancestor(outside)

    def test_change_equal_to_a_stale_tip_is_checked_against_the_remote(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.open()
        remote.push_from_outside("README.md", b"changed outside\n", "outside edit")
        writer.submit(change("README.md", b"# repo\n", "restore README"))

        writer.flush()

        assert remote.read("README.md") == b"# repo\n"

    def test_remote_that_keeps_moving_exhausts_the_conflict_attempts(
        self, remote: BareRepo, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pushes = pushes_with(monkeypatch, busy_colleague(remote))
        writer = make_writer(remote.url, conflicts=ConflictPolicy(attempts=3))
        writer.open()
        writer.submit(change("p/a.yaml", b"a\n"))

        with pytest.raises(ConflictRetriesExhausted) as caught:
            writer.flush()

        assert caught.value.retryable
        assert len(pushes) == 3
        assert remote.read("p/a.yaml") is None
        assert writer.pending == 1

    def test_rejected_push_is_re_applied_at_once_without_sleeping(
        self, remote: BareRepo, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A sleep here would hold the branch's lock; backoff is the caller's retry policy's.
        pushes_with(monkeypatch, busy_colleague(remote))
        writer = make_writer(remote.url, conflicts=ConflictPolicy(attempts=4))
        writer.open()
        writer.submit(change("p/a.yaml", b"a\n"))

        with sleeps_of_this_thread(monkeypatch) as sleeps, pytest.raises(ConflictRetriesExhausted):
            writer.flush()

        assert sleeps == []


class TestCancellation:
    def test_cancelled_flush_pushes_nothing_and_keeps_the_changes_pending(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n", checkpoint="rv-1"))
        cancel = threading.Event()
        cancel.set()

        with pytest.raises(WriterCancelled):
            writer.flush(cancel)

        assert remote.log() == ["initial"]
        assert (writer.pending, writer.pushed_through) == (1, 0)
        assert writer.flush().checkpoints == ("rv-1",)
        assert remote.read("p/a.yaml") == b"a\n"

    def test_cancel_during_a_conflict_stops_before_the_next_push(
        self, remote: BareRepo, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cancel = threading.Event()
        colleague = busy_colleague(remote)

        def colleague_pushes_then_we_are_cancelled() -> None:
            colleague()
            cancel.set()

        pushes = pushes_with(monkeypatch, colleague_pushes_then_we_are_cancelled)
        writer = make_writer(remote.url)
        writer.open()
        writer.submit(change("p/a.yaml", b"a\n"))

        with pytest.raises(WriterCancelled):
            writer.flush(cancel)

        assert len(pushes) == 1
        assert remote.log()[0] == "busy colleague"
        assert writer.pending == 1

    def test_cancelled_write_now_leaves_its_change_queued(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        cancel = threading.Event()
        cancel.set()

        with pytest.raises(WriterCancelled):
            writer.write_now(change("p/a.yaml", b"a\n"), cancel)

        assert writer.pending == 1
        assert remote.read("p/a.yaml") is None


def pushes_with(monkeypatch: pytest.MonkeyPatch, before_each: Callable[[], None]) -> list[str]:
    """Run ``before_each`` just before every real push of the writer; the pushed branches."""
    pushes: list[str] = []
    real_push = transport.push_branch

    def push(*args: Any) -> None:
        pushes.append(args[-1])
        before_each()
        real_push(*args)

    monkeypatch.setattr(branch_writer, "push_branch", push)
    return pushes


def busy_colleague(remote: BareRepo) -> Callable[[], None]:
    """Someone who pushes to main each time they are called, so our push is overtaken."""
    moves = iter(range(100))

    def push() -> None:
        remote.push_from_outside(f"busy/{next(moves)}", b"x\n", "busy colleague")

    return push


@contextmanager
def sleeps_of_this_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every ``time.sleep`` the calling thread makes while the block runs."""
    sleeps: list[float] = []
    caller, real_sleep = threading.get_ident(), time.sleep

    def sleep(seconds: float) -> None:
        if threading.get_ident() == caller:
            sleeps.append(seconds)
        real_sleep(seconds)

    with monkeypatch.context() as patch:
        patch.setattr(time, "sleep", sleep)
        yield sleeps


def _failing_build(error: Exception) -> Callable[..., Built]:
    def build(*_: object) -> Built:
        raise error

    return build


class TestLocalFailures:
    @pytest.mark.parametrize(
        "error", [OSError(28, "No space left on device"), pygit2.GitError("odb write failed")]
    )
    def test_local_git_failure_is_raised_as_git_operation_failed_and_keeps_changes_pending(
        self,
        remote: BareRepo,
        make_writer: WriterFactory,
        monkeypatch: pytest.MonkeyPatch,
        error: Exception,
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n"))
        monkeypatch.setattr(branch_writer, "build_commits", _failing_build(error))

        with pytest.raises(GitOperationFailed):
            writer.flush()
        assert writer.pending == 1

    def test_local_git_failure_is_counted_as_a_push_failure(
        self, remote: BareRepo, make_writer: WriterFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(change("p/a.yaml", b"a\n"))
        monkeypatch.setattr(branch_writer, "build_commits", _failing_build(OSError("disk")))
        labels = {"remote": remote.url, "branch": "main", "kind": "GitOperationFailed"}

        def failures() -> float:
            return REGISTRY.get_sample_value("gitops_reverser_push_failures_total", labels) or 0.0

        before = failures()
        with pytest.raises(GitOperationFailed):
            writer.flush()
        assert failures() == before + 1


class TestMetrics:
    def test_queue_depth_is_kept_per_remote_for_branches_of_the_same_name(
        self, remote: BareRepo, empty_remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        first = make_writer(remote.url)
        second = make_writer(empty_remote.url)
        first.submit(change("p/a.yaml", b"a\n"))
        second.submit(Change((FileState("p/a.yaml", b"a\n"), FileState("p/b.yaml", b"b\n")), "two"))

        def depth(url: str) -> float | None:
            labels = {"remote": url, "branch": "main"}
            return REGISTRY.get_sample_value("gitops_reverser_queue_depth", labels)

        assert (depth(remote.url), depth(empty_remote.url)) == (1.0, 2.0)
