"""The Kubernetes access module against the real API server."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

import pytest
from kubernetes import client

from activities.kube import (
    ApiResource,
    Cluster,
    ClusterForbidden,
    ObjectRef,
    WatchEvent,
)
from tests.harness.kube import ControlPlane

CONFIG_MAPS = ApiResource("", "v1", "configmaps", "ConfigMap", True, ("list", "watch"))


@pytest.fixture
def cluster(k8s: client.ApiClient) -> Cluster:
    return Cluster(k8s)


def _config_map(k8s: client.ApiClient, namespace: str, name: str, value: str) -> Any:
    core: Any = client.CoreV1Api(k8s)
    body = {"metadata": {"name": name}, "data": {"v": value}}
    return core.create_namespaced_config_map(namespace, body)


def test_discovery_sees_core_groups_and_our_crds_with_their_scope(cluster: Cluster) -> None:
    found = {(r.group, r.resource): r for r in cluster.discover()}
    assert found[("", "configmaps")].namespaced
    assert not found[("", "namespaces")].namespaced
    assert found[("apps", "deployments")].preferred
    assert found[("configbutler.ai", "gittargets")].kind == "GitTarget"
    assert not any("/" in resource for _, resource in found)  # no subresources


def test_a_list_is_read_page_by_page_and_carries_its_resource_version(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    for index in range(12):
        _config_map(k8s, namespace, f"cm-{index}", str(index))
    listed = cluster.list_objects(CONFIG_MAPS, namespace, page_size=5)
    names = sorted(item["metadata"]["name"] for item in listed.items)
    assert names == sorted(f"cm-{index}" for index in range(12))
    assert listed.resource_version.isdigit()
    assert {item["kind"] for item in cluster.list_objects(CONFIG_MAPS, namespace).items} == {
        "ConfigMap"
    }


def test_a_watch_from_a_list_sees_later_changes_in_order(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    core: Any = client.CoreV1Api(k8s)
    seen: list[WatchEvent] = []
    stop, opened = threading.Event(), threading.Event()

    def follow() -> None:
        for event in cluster.watch_objects(CONFIG_MAPS, namespace, start, stop, on_open=opened.set):
            if event.type != "BOOKMARK":
                seen.append(event)
            if len(seen) == 3:
                return

    thread = threading.Thread(target=follow)
    thread.start()
    assert opened.wait(10)
    _config_map(k8s, namespace, "watched", "1")
    core.patch_namespaced_config_map("watched", namespace, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("watched", namespace)
    thread.join(20)
    stop.set()
    assert [e.type for e in seen] == ["ADDED", "MODIFIED", "DELETED"]
    versions = [int(e.resource_version) for e in seen]
    assert versions == sorted(versions)


def test_stop_ends_a_watch_blocked_waiting_for_events_within_two_seconds(
    cluster: Cluster, namespace: str
) -> None:
    start = cluster.list_objects(CONFIG_MAPS, namespace).resource_version
    stop, opened, ended = threading.Event(), threading.Event(), threading.Event()

    def follow() -> None:
        for _ in cluster.watch_objects(CONFIG_MAPS, namespace, start, stop, on_open=opened.set):
            pass
        ended.set()

    threading.Thread(target=follow, daemon=True).start()
    assert opened.wait(10)
    time.sleep(0.5)
    stopped = time.monotonic()
    stop.set()
    assert ended.wait(5)
    assert time.monotonic() - stopped < 2.0


def test_an_event_with_a_key_is_bumped_on_repeat_and_a_once_event_is_not(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    ref = ObjectRef("v1", "ConfigMap", namespace, "anything", "uid-1")
    assert cluster.emit_event(ref, "Warning", "Reminder", "first", key="reminder")
    assert not cluster.emit_event(ref, "Warning", "Reminder", "again", key="reminder")
    assert cluster.emit_event(ref, "Warning", "Once", "once", key="once", bump=False)
    assert not cluster.emit_event(ref, "Warning", "Once", "twice", key="once", bump=False)
    events = client.CoreV1Api(k8s).list_namespaced_event(namespace).items
    counts = {e.reason: (e.count, e.message) for e in events}
    assert counts == {"Reminder": (2, "again"), "Once": (1, "once")}


def test_a_missing_secret_reads_as_none(cluster: Cluster, namespace: str) -> None:
    assert cluster.read_secret(namespace, "absent") is None
    assert cluster.secret_version(namespace, "absent") is None


def test_secret_data_stays_out_of_its_repr(
    cluster: Cluster, k8s: client.ApiClient, namespace: str
) -> None:
    core: Any = client.CoreV1Api(k8s)
    core.create_namespaced_secret(
        namespace, {"metadata": {"name": "s"}, "stringData": {"token": "very-secret-value"}}
    )
    secret = cluster.read_secret(namespace, "s")
    assert secret is not None and secret.data == {"token": b"very-secret-value"}
    assert "very-secret-value" not in repr(secret)


def test_a_request_rbac_denies_is_a_typed_forbidden_error_naming_the_grant(
    control_plane: ControlPlane, namespace: str
) -> None:
    bridge = Cluster(control_plane.bridge_client())  # the bridge may not read Secrets
    with pytest.raises(ClusterForbidden) as denied:
        bridge.read_secret(namespace, "anything")
    assert "403" in str(denied.value) and "grant" in str(denied.value)
    assert cast(int, denied.value.status) == 403


def test_an_absent_flux_source_api_reads_as_no_repository(cluster: Cluster, namespace: str) -> None:
    assert cluster.get_flux_repository(namespace, "flux-system") is None
