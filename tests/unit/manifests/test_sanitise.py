"""Sanitising: from a live object to the manifest a person would have written."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from activities import yamlio
from activities.manifests import InvalidObject, is_replica, render, sanitise
from tests.unit.yamlio.strategies import typed


def live_config_map() -> dict[str, Any]:
    return {
        "kind": "ConfigMap",
        "apiVersion": "v1",
        "metadata": {
            "uid": "0b8f6c1e",
            "resourceVersion": "4711",
            "generation": 3,
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "deletionTimestamp": "2024-01-02T00:00:00Z",
            "deletionGracePeriodSeconds": 30,
            "selfLink": "/api/v1/namespaces/team-a/configmaps/settings",
            "ownerReferences": [{"kind": "Deployment", "name": "web", "uid": "1"}],
            "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
            "finalizers": ["example.com/cleanup"],
            "name": "settings",
            "namespace": "team-a",
            "labels": {"app": "web", "kustomize.toolkit.fluxcd.io/name": "apps"},
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{}",
                "team": "payments",
            },
        },
        "data": {"mode": "fast"},
        "status": {"observed": True},
    }


class TestServerFields:
    def test_status_is_dropped(self) -> None:
        assert "status" not in sanitise(live_config_map())

    def test_metadata_keeps_only_what_a_person_writes(self) -> None:
        metadata = sanitise(live_config_map())["metadata"]
        assert list(metadata) == ["name", "namespace", "labels", "annotations"]

    def test_noisy_controller_labels_and_annotations_are_dropped(self) -> None:
        metadata = sanitise(live_config_map())["metadata"]
        assert metadata["labels"] == {"app": "web"}
        assert metadata["annotations"] == {"team": "payments"}

    def test_labels_left_empty_by_filtering_disappear(self) -> None:
        obj = live_config_map()
        obj["metadata"]["labels"] = {"helm.toolkit.fluxcd.io/name": "x"}
        obj["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "4"}
        assert list(sanitise(obj)["metadata"]) == ["name", "namespace"]

    def test_argo_tracking_label_goes_but_recommended_instance_label_stays(self) -> None:
        obj = live_config_map()
        obj["metadata"]["labels"] = {
            "argocd.argoproj.io/instance": "apps",
            "app.kubernetes.io/instance": "web-prod",
        }
        assert sanitise(obj)["metadata"]["labels"] == {"app.kubernetes.io/instance": "web-prod"}

    def test_null_fields_from_typed_clients_are_dropped(self) -> None:
        obj = live_config_map()
        obj["immutable"] = None
        obj["data"]["empty"] = None
        manifest = sanitise(obj)
        assert "immutable" not in manifest
        assert manifest["data"] == {"mode": "fast"}

    def test_input_is_not_modified(self) -> None:
        obj = live_config_map()
        before = copy.deepcopy(obj)
        sanitise(obj)
        assert obj == before


class TestPerKindNoise:
    def service(self, **spec: Any) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": spec}

    def test_allocated_cluster_ips_and_ip_families_are_dropped(self) -> None:
        spec = sanitise(
            self.service(
                clusterIP="10.0.0.7",
                clusterIPs=["10.0.0.7"],
                ipFamilies=["IPv4"],
                ipFamilyPolicy="SingleStack",
                ports=[{"port": 80}],
            )
        )["spec"]
        assert spec == {"ports": [{"port": 80}]}

    def test_headless_service_keeps_cluster_ip_none(self) -> None:
        spec = sanitise(self.service(clusterIP="None", clusterIPs=["None"]))["spec"]
        assert spec["clusterIP"] == "None"

    def test_bound_volume_name_of_a_claim_is_dropped(self) -> None:
        claim = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {
                "name": "data",
                "annotations": {"pv.kubernetes.io/bind-completed": "yes"},
            },
            "spec": {"volumeName": "pvc-123", "resources": {"requests": {"storage": "1Gi"}}},
        }
        manifest = sanitise(claim)
        assert "volumeName" not in manifest["spec"]
        assert "annotations" not in manifest["metadata"]

    def test_namespace_loses_generated_name_label_and_finalizer_spec(self) -> None:
        namespace = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}},
            "spec": {"finalizers": ["kubernetes"]},
        }
        assert sanitise(namespace) == {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team-a"},
        }

    def test_same_field_names_on_other_kinds_are_kept(self) -> None:
        obj = {
            "apiVersion": "example.com/v1",
            "kind": "Service",
            "metadata": {"name": "x"},
            "spec": {"clusterIP": "10.0.0.1"},
        }
        assert sanitise(obj)["spec"] == {"clusterIP": "10.0.0.1"}


class TestOrder:
    def test_head_keys_come_first_then_the_rest_sorted(self) -> None:
        obj = live_config_map()
        obj["binaryData"] = {"b": "AA=="}
        assert list(sanitise(obj)) == ["apiVersion", "kind", "metadata", "binaryData", "data"]

    def test_nested_mapping_keys_are_sorted_and_lists_keep_their_order(self) -> None:
        obj = live_config_map()
        obj["data"] = {"z": "1", "a": "2"}
        obj["items"] = [{"b": 1, "a": 2}, "second"]
        manifest = sanitise(obj)
        assert list(manifest["data"]) == ["a", "z"]
        assert manifest["items"] == [{"a": 2, "b": 1}, "second"]
        assert list(manifest["items"][0]) == ["a", "b"]


class TestIdentity:
    @pytest.mark.parametrize("missing", ["apiVersion", "kind"])
    def test_object_without_type_is_invalid(self, missing: str) -> None:
        obj = live_config_map()
        del obj[missing]
        with pytest.raises(InvalidObject):
            sanitise(obj)

    def test_object_without_name_is_invalid(self) -> None:
        obj = live_config_map()
        del obj["metadata"]["name"]
        with pytest.raises(InvalidObject):
            sanitise(obj)


class TestReflectorCopies:
    def test_copy_made_by_reflector_is_a_replica(self) -> None:
        obj = live_config_map()
        obj["metadata"]["annotations"]["reflector.v1.k8s.emberstack.com/reflects"] = "ns/src"
        assert is_replica(obj)

    def test_ordinary_object_is_not_a_replica(self) -> None:
        assert not is_replica(live_config_map())


# -- properties ---------------------------------------------------------------------------

_keys = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20),
    st.sampled_from(["yes", "no", "on", "0777", "1e3", "2024-01-01", "null", "~", "a\nb\n"]),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=20,
)
_names = st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?", fullmatch=True)


@st.composite
def live_objects(draw: st.DrawFn) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "name": draw(_names),
        "uid": draw(st.uuids()).hex,
        "resourceVersion": str(draw(st.integers(0, 10**9))),
        "labels": draw(st.dictionaries(_keys, st.text(max_size=10), max_size=3)),
        "annotations": draw(st.dictionaries(_keys, st.text(max_size=30), max_size=3)),
    }
    if draw(st.booleans()):
        metadata["namespace"] = draw(_names)
    obj: dict[str, Any] = {
        "apiVersion": draw(st.sampled_from(["v1", "apps/v1", "example.com/v1beta1"])),
        "kind": draw(st.sampled_from(["ConfigMap", "Service", "Widget", "Namespace"])),
        "metadata": metadata,
        "status": draw(_values),
    }
    obj.update(draw(st.dictionaries(st.sampled_from(["spec", "data", "rules"]), _values)))
    return obj


def shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: shuffled(v, rng) for k, v in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


class TestProperties:
    @given(live_objects())
    def test_sanitising_is_idempotent(self, obj: dict[str, Any]) -> None:
        once = sanitise(obj)
        assert sanitise(once) == once
        assert list(sanitise(once)) == list(once)

    @given(live_objects(), st.randoms(use_true_random=False))
    def test_same_object_in_any_key_order_gives_the_same_bytes(
        self, obj: dict[str, Any], rng: random.Random
    ) -> None:
        assert render(shuffled(obj, rng)) == render(obj)

    @given(live_objects())
    def test_written_yaml_parses_back_to_the_sanitised_data(self, obj: dict[str, Any]) -> None:
        assert typed(yamlio.load(render(obj).decode())) == typed(sanitise(obj))

    @given(live_objects())
    def test_written_yaml_reads_back_as_the_json_of_the_sanitised_data(
        self, obj: dict[str, Any]
    ) -> None:
        as_json = json.loads(json.dumps(sanitise(obj)))
        assert typed(yamlio.load(render(obj).decode())) == typed(as_json)

    def test_the_typed_form_tells_true_one_and_one_point_zero_apart(self) -> None:
        forms = [typed({"v": value}) for value in (True, 1, 1.0, "1")]
        assert len({repr(form) for form in forms}) == 4
