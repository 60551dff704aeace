"""Fences over file:// remotes: two writers of one branch (two workers), one of them an
attempt that a newer one superseded while it was paused."""

from __future__ import annotations

from pathlib import Path

import pytest

from activities.git import (
    BranchWriter,
    Change,
    Claim,
    Fence,
    FileState,
    SnapshotRequest,
    Stage,
    Superseded,
    WriterConfig,
    snapshot,
)
from activities.git.fence import fence_path, parse_fence
from tests.integration.git.conftest import BareRepo, WriterFactory

OLD = Fence(epoch=100, stage=Stage.STREAM, attempt=1)
NEW = Fence(epoch=100, stage=Stage.STREAM, attempt=2)
FILE = "mirror/v1/configmaps/team/settings.yaml"


def claimed(fence: Fence, content: bytes, *, stamp: bool = False) -> Change:
    return Change(
        files=(FileState(FILE, content),),
        description=f"update ConfigMap team/settings ({content.decode().strip()})",
        claim=Claim("mirror", fence, stamp=stamp),
    )


def other_worker(remote: BareRepo, tmp_path: Path) -> BranchWriter:
    """A writer of the same branch with a cache of its own, as on a second worker."""
    return BranchWriter(WriterConfig(url=remote.url, branch="main", cache_dir=tmp_path / "w2"))


class TestStamping:
    def test_a_stamping_claim_writes_the_fence_file_and_counts_no_file(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)

        applied, _ = writer.write_now(claimed(NEW, b"v1\n", stamp=True))

        assert parse_fence(remote.read(fence_path("mirror"))) == NEW
        assert applied.counts.created == 1  # the object file, not the fence

    def test_a_stamp_alone_is_a_commit_named_by_its_description(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)

        writer.write_now(
            Change(files=(), description="stream resumed", claim=Claim("mirror", NEW, stamp=True))
        )

        assert remote.log()[0] == "stream resumed"
        assert writer.fence_of("mirror") == NEW

    def test_a_snapshot_stamps_its_fence_and_its_counts_leave_it_out(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        fence = Fence(epoch=200, stage=Stage.SNAPSHOT, attempt=1)

        result = snapshot(
            writer, SnapshotRequest(target_path="mirror", files={FILE: b"v1\n"}, fence=fence)
        )

        assert (result.created, result.deleted) == (1, 0)
        assert writer.fence_of("mirror") == fence

    def test_a_later_snapshot_keeps_the_fence_file(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.write_now(claimed(OLD, b"v1\n", stamp=True))

        result = snapshot(writer, SnapshotRequest(target_path="mirror", files={FILE: b"v2\n"}))

        assert result.deleted == 0
        assert writer.fence_of("mirror") == OLD


class TestSupersededAttempts:
    def test_a_change_of_an_older_attempt_is_refused_and_the_newer_state_stays(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.write_now(claimed(NEW, b"v2\n", stamp=True))
        writer.submit(claimed(OLD, b"v1\n"))

        result = writer.flush()

        assert [type(r.error) for r in result.refused] == [Superseded]
        assert remote.read(FILE) == b"v2\n"

    def test_a_paused_attempt_whose_push_is_rejected_is_refused_after_the_fetch(
        self, remote: BareRepo, make_writer: WriterFactory, tmp_path: Path
    ) -> None:
        paused = make_writer(remote.url)
        paused.open()
        paused.submit(claimed(OLD, b"v1 (stale)\n"))
        successor = other_worker(remote, tmp_path)
        successor.write_now(claimed(NEW, b"v2\n", stamp=True))

        result = paused.flush()  # built on the tip it knew: rejected, fetched, re-built

        assert result.attempts == 1
        assert [r.reason for r in result.refused] == ["Superseded"]
        assert remote.read(FILE) == b"v2\n"

    def test_an_older_snapshot_attempt_cannot_overwrite_a_newer_stream(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.write_now(claimed(NEW, b"v2\n", stamp=True))
        stale = Fence(epoch=99, stage=Stage.SNAPSHOT, attempt=3)

        with pytest.raises(Superseded):
            snapshot(
                writer,
                SnapshotRequest(target_path="mirror", files={FILE: b"v0\n"}, fence=stale),
            )

        assert remote.read(FILE) == b"v2\n"

    def test_a_newer_attempt_writes_over_the_fence_of_an_older_one(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.write_now(claimed(OLD, b"v1\n", stamp=True))

        writer.write_now(claimed(NEW, b"v2\n", stamp=True))

        assert remote.read(FILE) == b"v2\n"
        assert writer.fence_of("mirror") == NEW

    def test_other_folders_are_not_fenced(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.write_now(claimed(NEW, b"v2\n", stamp=True))
        other = Change(
            files=(FileState("other/v1/configmaps/team/a.yaml", b"a\n"),),
            description="update ConfigMap team/a",
            claim=Claim("other", OLD),
        )

        result = writer.write_now(other)[1]

        assert result.refused == ()
        assert remote.read("other/v1/configmaps/team/a.yaml") == b"a\n"


class TestWithdrawal:
    def test_withdraw_drops_only_the_ending_attempts_pending_changes(
        self, remote: BareRepo, make_writer: WriterFactory
    ) -> None:
        writer = make_writer(remote.url)
        writer.submit(claimed(OLD, b"v1\n"))
        writer.submit(claimed(OLD, b"v1\n", stamp=True))
        writer.submit(claimed(NEW, b"v2\n"))

        dropped = writer.withdraw("mirror", OLD)

        assert (dropped, writer.pending) == (2, 1)
