"""Snapshots: a target path made to hold exactly the given objects, in one pushed commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from activities.git import (
    BranchWriter,
    Change,
    Fence,
    FileState,
    GitOperationFailed,
    Listing,
    PathOutsideTarget,
    SnapshotRequest,
    Stage,
    snapshot,
)
from activities.manifests import ObjectId, object_path
from tests.integration.git.conftest import BareRepo, WriterFactory, git

TARGET = "clusters/prod"


def obj(namespace: str, name: str, body: str = "") -> tuple[str, bytes]:
    return f"{TARGET}/{namespace}/core/configmaps/{name}.yaml", f"name: {name}\n{body}".encode()


@pytest.fixture
def populated(remote: BareRepo, make_writer: WriterFactory) -> BareRepo:
    """Target path with three objects, bootstrap files, a foreign file, and a neighbour target."""
    files = dict(
        [
            obj("a", "keep"),
            obj("a", "stale-1"),
            obj("b", "stale-2"),
            (f"{TARGET}/.sops.yaml", b"creation_rules: []\n"),
            (f"{TARGET}/README.md", b"# prod\n"),
            (f"{TARGET}/a/kustomization.yaml", b"resources: []\n"),
            ("clusters/staging/a/core/configmaps/other.yaml", b"name: other\n"),
        ]
    )
    writer = make_writer(remote.url)
    writer.submit(Change(tuple(FileState(p, c) for p, c in files.items()), "seed"))
    writer.flush()
    return remote


def test_stale_object_files_are_deleted_and_counts_are_right(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    before = populated.files()
    wanted = dict([obj("a", "keep", "changed: yes\n"), obj("c", "new")])

    result = snapshot(make_writer(populated.url), SnapshotRequest(TARGET, wanted))

    assert (result.created, result.updated, result.deleted) == (1, 1, 2)
    assert before - populated.files() == {
        f"{TARGET}/a/core/configmaps/stale-1.yaml",
        f"{TARGET}/b/core/configmaps/stale-2.yaml",
    }
    assert populated.log()[0] == "snapshot clusters/prod: 1 created, 1 updated, 2 deleted"
    assert result.commit == populated.tip()


def test_second_identical_snapshot_makes_no_commit(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    wanted = dict([obj("a", "keep"), obj("c", "new")])
    first = snapshot(writer, SnapshotRequest(TARGET, wanted))

    second = snapshot(writer, SnapshotRequest(TARGET, wanted))

    assert not second.changed
    assert (second.created, second.updated, second.deleted) == (0, 0, 0)
    assert second.commit == first.commit == populated.tip()


def test_files_outside_the_target_path_and_bootstrap_files_are_untouched(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    snapshot(make_writer(populated.url), SnapshotRequest(TARGET, {}))

    assert populated.files() == {
        "README.md",
        f"{TARGET}/.sops.yaml",
        f"{TARGET}/README.md",
        f"{TARGET}/a/kustomization.yaml",
        "clusters/staging/a/core/configmaps/other.yaml",
    }


def test_snapshot_absorbs_an_outside_push_and_reports_the_landed_counts(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    writer.open()
    path, _ = obj("d", "added-outside")
    populated.push_from_outside(path, b"name: added-outside\n", "outside")

    result = snapshot(writer, SnapshotRequest(TARGET, dict([obj("a", "keep")])))

    assert result.deleted == 3
    assert populated.read(path) is None


def test_file_outside_the_target_path_is_refused(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    with pytest.raises(PathOutsideTarget):
        snapshot(
            make_writer(populated.url),
            SnapshotRequest(TARGET, {"clusters/staging/a/core/configmaps/x.yaml": b"x"}),
        )


def test_file_that_is_not_an_object_file_is_refused(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    with pytest.raises(PathOutsideTarget):
        snapshot(make_writer(populated.url), SnapshotRequest(TARGET, {f"{TARGET}/x.yaml": b"x"}))


def test_target_path_into_a_windows_name_of_the_git_folder_is_refused(
    remote: BareRepo, make_writer: WriterFactory
) -> None:
    with pytest.raises(PathOutsideTarget):
        snapshot(make_writer(remote.url), SnapshotRequest("backup/GIT~1", {}))


def test_object_with_a_shortened_file_name_is_written_and_later_pruned(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    keep = dict([obj("a", "keep")])
    shortened = object_path(TARGET, ObjectId("", "configmaps", "a", "x" * 253))
    snapshot(writer, SnapshotRequest(TARGET, {**keep, shortened: b"name: x\n"}))
    assert populated.read(shortened) == b"name: x\n"

    result = snapshot(writer, SnapshotRequest(TARGET, keep))

    assert result.deleted == 1
    assert populated.read(shortened) is None


class TestPruneScope:
    """A snapshot scoped to where it listed deletes stale files there only (a re-list);
    an unscoped one deletes stale files everywhere (a resync)."""

    DEPLOYMENT = f"{TARGET}/a/apps/deployments/web.yaml"
    CONFIGMAPS = frozenset({Listing("", "configmaps")})

    @pytest.fixture
    def writer(self, populated: BareRepo, make_writer: WriterFactory) -> BranchWriter:
        """The populated target plus the file of a resource the scope does not name."""
        writer = make_writer(populated.url)
        writer.submit(Change((FileState(self.DEPLOYMENT, b"name: web\n"),), "deployment"))
        writer.flush()
        return writer

    def test_scoped_snapshot_leaves_the_files_of_resources_outside_its_scope(
        self, populated: BareRepo, writer: BranchWriter
    ) -> None:
        request = SnapshotRequest(TARGET, dict([obj("a", "keep")]), prune_scope=self.CONFIGMAPS)

        snapshot(writer, request)

        assert populated.read(self.DEPLOYMENT) == b"name: web\n"

    def test_scoped_snapshot_deletes_the_stale_files_of_resources_in_its_scope(
        self, populated: BareRepo, writer: BranchWriter
    ) -> None:
        request = SnapshotRequest(TARGET, dict([obj("a", "keep")]), prune_scope=self.CONFIGMAPS)

        result = snapshot(writer, request)

        assert result.deleted == 2
        assert populated.read(obj("b", "stale-2")[0]) is None

    def test_snapshot_scoped_to_one_namespace_leaves_the_resources_files_in_others(
        self, populated: BareRepo, writer: BranchWriter
    ) -> None:
        in_a = frozenset({Listing("", "configmaps", "a")})

        result = snapshot(
            writer, SnapshotRequest(TARGET, dict([obj("a", "keep")]), prune_scope=in_a)
        )

        assert result.deleted == 1
        assert populated.read(obj("b", "stale-2")[0]) is not None

    def test_unscoped_snapshot_deletes_the_stale_files_of_every_resource(
        self, populated: BareRepo, writer: BranchWriter
    ) -> None:
        result = snapshot(writer, SnapshotRequest(TARGET, dict([obj("a", "keep")])))

        assert result.deleted == 3
        assert populated.read(self.DEPLOYMENT) is None


def test_snapshot_supersedes_a_change_queued_before_it(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    newer_path, newer = obj("a", "keep", "from: stream\n")
    writer.submit(Change((FileState(newer_path, newer),), "stream update", checkpoint="rv-9"))
    listed_path, listed = obj("a", "keep", "from: snapshot\n")

    result = snapshot(writer, SnapshotRequest(TARGET, {listed_path: listed}, checkpoint="rv-5"))

    assert populated.read(newer_path) == listed
    assert populated.log()[:2] == [
        "snapshot clusters/prod: 0 created, 1 updated, 2 deleted",
        "stream update",
    ]
    assert result.push.checkpoints == ("rv-9", "rv-5")


class TestRetriedSnapshot:
    def test_retry_after_the_push_landed_reports_that_push(
        self, populated: BareRepo, make_writer: WriterFactory
    ) -> None:
        request = SnapshotRequest(TARGET, dict([obj("a", "keep"), obj("c", "new")]), None, "wf/1")
        first = snapshot(make_writer(populated.url), request)

        retry = snapshot(make_writer(populated.url), request)

        assert retry.changed
        assert (retry.commit, retry.created, retry.updated, retry.deleted) == (
            first.commit,
            first.created,
            first.updated,
            first.deleted,
        )
        assert (first.created, first.updated, first.deleted) == (1, 0, 2)
        assert populated.log()[1].startswith("seed")

    def test_retry_under_a_newer_fence_reports_what_the_whole_snapshot_changed(
        self, populated: BareRepo, make_writer: WriterFactory
    ) -> None:
        # The first try's worker died after its push landed; the retry's own commit only
        # moves the fence to its attempt, so alone it would report nothing created.
        files = dict([obj("a", "keep"), obj("c", "new")])
        first = snapshot(
            make_writer(populated.url),
            SnapshotRequest(TARGET, files, None, "wf/6", fence=Fence(1, Stage.SNAPSHOT, 1)),
        )

        retry = snapshot(
            make_writer(populated.url),
            SnapshotRequest(TARGET, files, None, "wf/6", fence=Fence(1, Stage.SNAPSHOT, 2)),
        )

        assert retry.changed and retry.commit == populated.tip() != first.commit
        assert (retry.created, retry.updated, retry.deleted) == (1, 0, 2)

    def test_retry_finds_its_commit_below_later_commits(
        self, populated: BareRepo, make_writer: WriterFactory
    ) -> None:
        request = SnapshotRequest(TARGET, dict([obj("a", "keep")]), None, "wf/2")
        first = snapshot(make_writer(populated.url), request)
        populated.push_from_outside("docs/later.md", b"later\n", "later")

        retry = snapshot(make_writer(populated.url), request)

        assert (retry.changed, retry.commit, retry.deleted) == (True, first.commit, 2)

    def test_other_operation_that_changes_nothing_reports_nothing(
        self, populated: BareRepo, make_writer: WriterFactory
    ) -> None:
        files = dict([obj("a", "keep")])
        snapshot(make_writer(populated.url), SnapshotRequest(TARGET, files, None, "wf/3"))

        other = snapshot(make_writer(populated.url), SnapshotRequest(TARGET, files, None, "wf/4"))

        assert not other.changed
        assert (other.created, other.updated, other.deleted) == (0, 0, 0)
        assert other.commit == populated.tip()

    def test_operation_id_is_a_trailer_of_the_snapshot_commit(
        self, populated: BareRepo, make_writer: WriterFactory
    ) -> None:
        request = SnapshotRequest(TARGET, dict([obj("a", "keep")]), None, "wf/5")
        snapshot(make_writer(populated.url), request)
        trailers = git("log", "-1", "--format=%(trailers:only,unfold)", cwd=populated.path)
        assert trailers.strip() == "Gitops-Reverser-Operation: wf/5"


def test_file_named_by_its_version_keeps_the_blob_the_last_snapshot_wrote(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    keep_path, keep = obj("a", "keep", "v: 1\n")
    snapshot(writer, SnapshotRequest(TARGET, {keep_path: keep}, versions={keep_path: "uid/1"}))

    result = snapshot(writer, SnapshotRequest(TARGET, {}, versions={keep_path: "uid/1"}))

    assert not result.changed
    assert populated.read(keep_path) == keep
    assert writer.known_versions(TARGET) == {keep_path: "uid/1"}


def test_file_named_by_its_version_is_restored_after_someone_edited_it(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    keep_path, keep = obj("a", "keep", "v: 1\n")
    snapshot(writer, SnapshotRequest(TARGET, {keep_path: keep}, versions={keep_path: "uid/1"}))
    populated.push_from_outside(keep_path, b"edited by hand\n", "hand edit")

    result = snapshot(writer, SnapshotRequest(TARGET, {}, versions={keep_path: "uid/1"}))

    assert (result.created, result.updated, result.deleted) == (0, 1, 0)
    assert populated.read(keep_path) == keep


def test_versions_are_remembered_for_what_the_last_snapshot_wrote_only(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    (a_path, a), (b_path, b) = obj("a", "keep"), obj("c", "new")
    snapshot(writer, SnapshotRequest(TARGET, {a_path: a, b_path: b}, versions={a_path: "a/1"}))
    assert writer.known_versions(TARGET) == {a_path: "a/1"}

    result = snapshot(writer, SnapshotRequest(TARGET, {b_path: b}, versions={b_path: "b/1"}))

    assert result.deleted == 1
    assert populated.read(a_path) is None
    assert writer.known_versions(TARGET) == {b_path: "b/1"}
    assert writer.known_versions("clusters/staging") == {}


def test_unknown_version_fails_retryably_and_pushes_nothing(
    populated: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(populated.url)
    keep_path, keep = obj("a", "keep", "v: 1\n")
    snapshot(writer, SnapshotRequest(TARGET, {keep_path: keep}, versions={keep_path: "uid/1"}))
    tip = populated.tip()

    with pytest.raises(GitOperationFailed) as failure:
        snapshot(writer, SnapshotRequest(TARGET, {}, versions={keep_path: "uid/2"}))

    assert failure.value.retryable
    assert populated.tip() == tip
    assert writer.pending == 0


def test_re_snapshot_by_versions_holds_the_tree_the_git_cli_commits(
    remote: BareRepo, make_writer: WriterFactory, tmp_path: Path
) -> None:
    files = dict(obj(f"ns-{i % 7}", f"cm-{i}", f"i: {i}\n") for i in range(300))
    writer = make_writer(remote.url)
    snapshot(writer, SnapshotRequest(TARGET, files, versions=dict.fromkeys(files, "v1")))
    paths = sorted(files)
    changed, gone = paths[0], set(paths[-3:])
    live = {path: files[path] for path in paths if path not in gone} | {changed: b"changed\n"}

    snapshot(
        writer,
        SnapshotRequest(
            TARGET,
            {changed: live[changed]},
            versions=dict.fromkeys(live, "v1") | {changed: "v2"},
        ),
    )

    work = tmp_path / "cli"
    for path, content in live.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(content)
    git("init", "-q", cwd=work)
    git("add", "-A", cwd=work)
    expected = git("write-tree", cwd=work).strip()
    assert git("rev-parse", f"main:{TARGET}", cwd=remote.path) == git(
        "rev-parse", f"{expected}:{TARGET}", cwd=work
    )


def test_snapshot_of_the_repository_root_prunes_object_files_only(
    remote: BareRepo, make_writer: WriterFactory
) -> None:
    writer = make_writer(remote.url)
    stale, kept = "a/core/configmaps/stale.yaml", "b/core/configmaps/kept.yaml"
    foreign = ("clusters/prod/a/core/configmaps/x.yaml", "notes/todo.md")
    seed = (stale, kept, *foreign)
    writer.submit(Change(tuple(FileState(path, b"x\n") for path in seed), "seed"))
    writer.flush()

    result = snapshot(writer, SnapshotRequest("", {kept: b"kept\n"}))

    assert (result.created, result.updated, result.deleted) == (0, 1, 1)
    assert remote.files() == {"README.md", kept, *foreign}
