"""Noise: updates that change no file make no commit, and noise objects never reach Git."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.lifecycle.conftest import Operator, Scenario

LEADER = "control-plane.alpha.kubernetes.io/leader"


@pytest.fixture
def mirrored(operator: Operator, scenario: Scenario) -> Iterator[Scenario]:
    scenario.grant([("apps", "deployments")])
    scenario.apply(
        scenario.credentials(),
        scenario.provider(),
        scenario.target(),
        scenario.watch_rule(),
        _deployment_rule(scenario),
    )
    scenario.wait("mirror", "Ready=true", timeout=90)
    yield scenario


def _deployment_rule(scenario: Scenario) -> dict[str, Any]:
    rule = scenario.watch_rule("apps")
    rule["spec"]["rules"] = [{"apiGroups": ["apps"], "resources": ["deployments"]}]
    return rule


def _deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def _settle_with_a_marker(scenario: Scenario, commits: int) -> None:
    """A real change after the noise: once it is in Git, the noise before it was seen too."""
    marker = scenario.object_file(scenario.namespace, "configmaps", "marker")
    scenario.apply(scenario.config_map("marker", {"AT": str(time.time())}))
    scenario.until(lambda: scenario.file(marker) is not None, "the marker's commit")
    time.sleep(3)  # a late commit of the noise (push interval 1s) would show by now
    assert len(scenario.commits()) == commits + 1


def test_a_status_only_update_makes_no_commit(mirrored: Scenario) -> None:
    path = mirrored.object_file(mirrored.namespace, "deployments", "web", group="apps")
    mirrored.apply(_deployment("web"))
    mirrored.until(lambda: mirrored.file(path) is not None, "the Deployment's file")
    file, commits = mirrored.file(path), len(mirrored.commits())

    status = {"status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1}}
    mirrored.plane.kubectl(
        "patch", "-n", mirrored.namespace, "deployment", "web", "--subresource=status",
        "--type=merge", "-p", json.dumps(status),
    )  # fmt: skip

    _settle_with_a_marker(mirrored, commits)
    assert mirrored.file(path) == file


def test_an_update_of_noisy_metadata_only_makes_no_commit(mirrored: Scenario) -> None:
    path = mirrored.object_file(mirrored.namespace, "configmaps", "settings")
    mirrored.apply(mirrored.config_map("settings", {"A": "1"}))
    mirrored.until(lambda: mirrored.file(path) is not None, "the ConfigMap's file")
    commits = len(mirrored.commits())

    for churn in range(3):  # a new resourceVersion and managedFields entry each time
        mirrored.plane.kubectl(
            "annotate", "-n", mirrored.namespace, "configmap", "settings", "--overwrite",
            f"kubectl.kubernetes.io/last-applied-configuration=churn-{churn}",
        )  # fmt: skip

    _settle_with_a_marker(mirrored, commits)


def test_noise_objects_never_reach_git(mirrored: Scenario) -> None:
    commits = len(mirrored.commits())
    root_ca = mirrored.config_map("kube-root-ca.crt", {"ca.crt": "a certificate"})
    lock = mirrored.config_map("controller-lock", {})
    lock["metadata"]["annotations"] = {LEADER: '{"holderIdentity":"controller-0"}'}
    mirrored.apply(root_ca, lock)

    _settle_with_a_marker(mirrored, commits)
    for name in ("kube-root-ca.crt", "controller-lock"):
        assert mirrored.file(mirrored.object_file(mirrored.namespace, "configmaps", name)) is None
