"""Commit messages: operation, object, and counts where they add information."""

from __future__ import annotations

import pytest

from activities.git import FileCounts, Operation, describe
from activities.git.messages import commit_message, operation_of


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


def test_operation_id_ends_the_message_as_a_trailer() -> None:
    message = commit_message(
        ["snapshot prod"], FileCounts(created=2), with_counts=True, operation_id="wf-1/act-3"
    )
    assert message == (
        "snapshot prod: 2 created, 0 updated, 0 deleted\n\nGitops-Reverser-Operation: wf-1/act-3\n"
    )
    assert operation_of(message) == "wf-1/act-3"


def test_operation_trailer_follows_the_body_of_a_batch() -> None:
    message = commit_message(["a", "b"], FileCounts(created=2), operation_id="op")
    assert message.endswith("- a\n- b\n\nGitops-Reverser-Operation: op\n")
    assert operation_of(message) == "op"


@pytest.mark.parametrize(
    "message",
    [
        "update ConfigMap a/b",
        "Gitops-Reverser-Operation: op",
        "subject\n\nGitops-Reverser-Operation: op\n\nmore text",
        "subject\n\nSigned-off-by: someone",
    ],
)
def test_operation_counts_only_in_the_trailer_paragraph_after_the_subject(message: str) -> None:
    assert operation_of(message) is None
