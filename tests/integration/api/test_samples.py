"""The samples apply as they are, and kubectl shows the columns people look for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness.kube import ControlPlane
from tests.integration.api.resources import Objects
from workflows.api import GitTargetStatus, ProviderKind
from workflows.api.conditions import ConditionStatus, ConditionType, Phase, ReadyReason

SAMPLES = Path(__file__).resolve().parents[3] / "crds" / "samples"
CLUSTER_SAMPLE = "cluster-policy"


@pytest.fixture
def applied_samples(control_plane: ControlPlane, objects: Objects, namespace: str) -> Iterator[str]:
    """Every sample applied with kubectl into the test namespace."""
    control_plane.kubectl("apply", "--namespace", namespace, "-f", str(SAMPLES))
    yield namespace
    objects.delete("ClusterWatchRule", CLUSTER_SAMPLE, None)


def _status_running(commit: str) -> GitTargetStatus:
    return GitTargetStatus.model_validate(
        {
            "observedGeneration": 1,
            "phase": Phase.RUNNING,
            "conditions": [
                {
                    "type": ConditionType.READY,
                    "status": ConditionStatus.TRUE,
                    "observedGeneration": 1,
                    "lastTransitionTime": "2026-03-04T05:06:07Z",
                    "reason": ReadyReason.RECONCILED,
                    "message": "every gate passed",
                }
            ],
            "git": {"branchExists": True, "lastCommitSHA": commit},
        }
    )


def test_every_sample_applies(control_plane: ControlPlane, applied_samples: str) -> None:
    listed = control_plane.kubectl(
        "get", "gitops-reverser", "--namespace", applied_samples, "-o", "name"
    )

    assert sorted(listed.stdout.split()) == [
        f"clusterwatchrule.configbutler.ai/{CLUSTER_SAMPLE}",
        "gitprovider.configbutler.ai/platform-config",
        "gittarget.configbutler.ai/flux-live-state",
        "gittarget.configbutler.ai/prod-cluster",
        "watchrule.configbutler.ai/app-config",
    ]


def test_gittarget_columns_show_provider_branch_path_and_readiness(
    objects: Objects, applied_samples: str
) -> None:
    status = _status_running("8f3c2a1")
    objects.patch_status(
        "GitTarget", "prod-cluster", applied_samples, status.model_dump(mode="json")
    )

    rows = {row["Name"]: row for row in objects.table("GitTarget", applied_samples)}

    prod = rows["prod-cluster"]
    assert {column: prod[column] for column in ("Provider", "Branch", "Path")} == {
        "Provider": "platform-config",
        "Branch": "main",
        "Path": "clusters/prod",
    }
    assert (prod["Phase"], prod["Ready"], prod["Reason"]) == ("RUNNING", "True", "Reconciled")
    assert prod["Age"]


def test_gittarget_wide_columns_show_provider_kind_encryption_and_last_commit(
    objects: Objects, applied_samples: str
) -> None:
    objects.patch_status(
        "GitTarget",
        "prod-cluster",
        applied_samples,
        _status_running("8f3c2a1").model_dump(mode="json"),
    )

    rows = {row["Name"]: row for row in objects.table("GitTarget", applied_samples)}

    assert (rows["prod-cluster"]["Encryption"], rows["prod-cluster"]["Last Commit"]) == (
        "sops",
        "8f3c2a1",
    )
    assert rows["prod-cluster"]["Message"] == "every gate passed"
    assert rows["flux-live-state"]["Provider Kind"] == ProviderKind.GIT_REPOSITORY


def test_gittarget_without_status_shows_empty_readiness(
    objects: Objects, applied_samples: str
) -> None:
    rows = {row["Name"]: row for row in objects.table("GitTarget", applied_samples)}

    assert (rows["flux-live-state"]["Phase"], rows["flux-live-state"]["Ready"]) == (None, None)


def test_gitprovider_columns_show_url_and_push_policy(
    objects: Objects, applied_samples: str
) -> None:
    (row,) = objects.table("GitProvider", applied_samples)

    assert row["URL"] == "git@github.com:example-org/platform-config.git"
    assert (row["Secret"], row["Interval"], row["Max Commits"]) == ("git-credentials", "30s", 10)


def test_watchrule_columns_show_its_target(objects: Objects, applied_samples: str) -> None:
    (row,) = objects.table("WatchRule", applied_samples)

    assert (row["Name"], row["Target"]) == ("app-config", "prod-cluster")


def test_clusterwatchrule_columns_show_target_namespace_and_name(
    objects: Objects, applied_samples: str
) -> None:
    rows = {row["Name"]: row for row in objects.table("ClusterWatchRule", None)}

    assert (rows[CLUSTER_SAMPLE]["Target Namespace"], rows[CLUSTER_SAMPLE]["Target"]) == (
        "gitops-demo",
        "prod-cluster",
    )


def test_kubectl_get_prints_the_gittarget_columns(
    control_plane: ControlPlane, applied_samples: str
) -> None:
    printed = control_plane.kubectl("get", "gittargets", "--namespace", applied_samples)

    header = printed.stdout.splitlines()[0].split()
    assert header == ["NAME", "PROVIDER", "BRANCH", "PATH", "PHASE", "READY", "REASON", "AGE"]
