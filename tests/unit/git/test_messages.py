"""Commit messages: operation, object, and counts where they add information."""

from __future__ import annotations

from activities.git import FileCounts, Operation, describe
from activities.git.messages import commit_message


def test_object_description_names_operation_kind_and_namespaced_name() -> None:
    assert describe(Operation.UPDATE, "ConfigMap", "team-a", "settings") == (
        "update ConfigMap team-a/settings"
    )


def test_cluster_scoped_object_has_no_namespace_part() -> None:
    assert describe(Operation.DELETE, "ClusterRole", None, "viewer") == "delete ClusterRole viewer"


def test_single_file_change_is_just_its_description() -> None:
    assert commit_message(["update ConfigMap a/b"], FileCounts(updated=1)) == "update ConfigMap a/b"


def test_snapshot_always_reports_its_counts() -> None:
    message = commit_message(["snapshot prod"], FileCounts(deleted=1), with_counts=True)
    assert message == "snapshot prod: 0 created, 0 updated, 1 deleted"


def test_batch_counts_changes_and_lists_them() -> None:
    message = commit_message(
        ["create ConfigMap a/x", "delete Secret a/y"], FileCounts(created=1, deleted=1)
    )
    assert message == (
        "batch of 2 changes: 1 created, 0 updated, 1 deleted\n\n"
        "- create ConfigMap a/x\n- delete Secret a/y\n"
    )
