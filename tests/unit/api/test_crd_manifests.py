"""What every CRD must declare for kubectl users, checked on the files themselves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.api.manifests import crds, openapi_schema, version_of

KINDS = ["GitProvider", "GitTarget", "WatchRule", "ClusterWatchRule"]


def _validations(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every x-kubernetes-validations entry in a schema, with the property path it sits on."""
    if not isinstance(node, dict):
        return
    for rule in node.get("x-kubernetes-validations", []):
        yield path, rule
    for name, child in node.get("properties", {}).items():
        yield from _validations(child, f"{path}.{name}")
    yield from _validations(node.get("items"), f"{path}[]")


def _immutable_fields(kind: str) -> set[str]:
    return {
        path
        for path, rule in _validations(openapi_schema(kind))
        if rule["rule"] == "self == oldSelf"
    }


@pytest.mark.parametrize("kind", KINDS)
def test_crd_serves_v1alpha1_of_configbutler_ai(kind: str) -> None:
    crd = crds()[kind]
    version = version_of(crd)
    assert (crd["spec"]["group"], version["name"]) == ("configbutler.ai", "v1alpha1")
    assert version["served"] and version["storage"]


@pytest.mark.parametrize("kind", KINDS)
def test_crd_has_status_subresource(kind: str) -> None:
    assert version_of(crds()[kind])["subresources"] == {"status": {}}


@pytest.mark.parametrize("kind", KINDS)
def test_crd_is_listed_by_the_gitops_reverser_category(kind: str) -> None:
    assert crds()[kind]["spec"]["names"]["categories"] == ["gitops-reverser"]


@pytest.mark.parametrize("kind", KINDS)
def test_crd_has_a_short_name(kind: str) -> None:
    assert crds()[kind]["spec"]["names"]["shortNames"]


def test_short_names_are_distinct() -> None:
    names = [name for crd in crds().values() for name in crd["spec"]["names"]["shortNames"]]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("kind", "scope"),
    [
        ("GitProvider", "Namespaced"),
        ("GitTarget", "Namespaced"),
        ("WatchRule", "Namespaced"),
        ("ClusterWatchRule", "Cluster"),
    ],
)
def test_crd_scope(kind: str, scope: str) -> None:
    assert crds()[kind]["spec"]["scope"] == scope


@pytest.mark.parametrize("kind", KINDS)
def test_every_validation_rule_explains_itself(kind: str) -> None:
    silent = [path for path, rule in _validations(openapi_schema(kind)) if not rule.get("message")]
    assert silent == []


@pytest.mark.parametrize("kind", KINDS)
def test_conditions_are_a_map_keyed_by_type(kind: str) -> None:
    conditions = openapi_schema(kind)["properties"]["status"]["properties"]["conditions"]
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert "type" in conditions["items"]["required"]


@pytest.mark.parametrize(
    ("kind", "immutable"),
    [
        ("GitProvider", set()),
        ("GitTarget", {".spec.providerRef", ".spec.branch", ".spec.path"}),
        ("WatchRule", {".spec.targetRef"}),
        ("ClusterWatchRule", {".spec.targetRef"}),
    ],
)
def test_immutable_fields(kind: str, immutable: set[str]) -> None:
    assert _immutable_fields(kind) == immutable


def test_gittarget_printer_columns_show_provider_branch_path_phase_ready_reason_age() -> None:
    columns = version_of(crds()["GitTarget"])["additionalPrinterColumns"]
    default = [column["name"] for column in columns if column.get("priority", 0) == 0]
    assert default == ["Provider", "Branch", "Path", "Phase", "Ready", "Reason", "Age"]


@pytest.mark.parametrize("kind", KINDS)
def test_wide_output_adds_columns(kind: str) -> None:
    columns = version_of(crds()[kind])["additionalPrinterColumns"]
    assert any(column.get("priority") == 1 for column in columns)


def test_watchrule_target_reference_has_no_namespace_field() -> None:
    target_ref = openapi_schema("WatchRule")["properties"]["spec"]["properties"]["targetRef"]
    assert "namespace" not in target_ref["properties"]


def test_clusterwatchrule_target_reference_requires_a_namespace() -> None:
    target_ref = openapi_schema("ClusterWatchRule")["properties"]["spec"]["properties"]["targetRef"]
    assert "namespace" in target_ref["required"]
