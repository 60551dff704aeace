"""Discovery: a CRD served after a target became Ready is mirrored without a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.lifecycle.conftest import Operator, Scenario


@pytest.fixture
def group(scenario: Scenario) -> Iterator[str]:
    """An API group of this test's own, so its CRD meets no other test's."""
    name = f"{scenario.namespace}.example.com"
    yield name
    scenario.plane.kubectl("delete", "crd", f"widgets.{name}", "--ignore-not-found", "--wait=false")


def _crd(group: str) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


def test_a_crd_created_after_ready_that_a_wildcard_selects_is_mirrored(
    operator: Operator, scenario: Scenario, group: str
) -> None:
    scenario.grant([(group, "widgets")])
    rule = scenario.watch_rule()
    rule["spec"]["rules"].append({"apiGroups": [group], "resources": ["*"]})
    scenario.apply(scenario.credentials(), scenario.provider(), scenario.target(), rule)
    scenario.wait("mirror", "Ready=true", timeout=90)

    scenario.plane.kubectl("apply", "-f", "-", stdin=json.dumps(_crd(group)))
    scenario.plane.kubectl(
        "wait", "--for=condition=Established", f"crd/widgets.{group}", "--timeout=30s"
    )
    scenario.apply(
        {
            "apiVersion": f"{group}/v1",
            "kind": "Widget",
            "metadata": {"name": "gear"},
            "spec": {"teeth": 12},
        }
    )

    path = scenario.object_file(scenario.namespace, "widgets", "gear", group=group)
    scenario.until(lambda: scenario.file(path) is not None, "the Widget's file", timeout=60)
    assert b"teeth: 12" in (scenario.file(path) or b"")
    scenario.wait("mirror", "Ready=true", timeout=30)
