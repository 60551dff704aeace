"""From a live Kubernetes object to the manifest a person would have written.

Input is an object as the API server serves it in JSON form (camelCase keys, for
example from the dynamic client or ``ApiClient.sanitize_for_serialization``).
Output is a new plain ``dict``: server-populated and controller-noise fields
removed, mapping keys in one canonical order, so the same object always yields
the same manifest and sanitising a sanitised manifest changes nothing.

Purely data-manipulative: no I/O, no YAML, no encryption, and it never decides
where a file goes (that is ``layout``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from activities.manifests.errors import InvalidObject

__all__ = ["REFLECTOR_REFLECTS_ANNOTATION", "api_group", "is_replica", "sanitise"]

_log = logging.getLogger(__name__)

REFLECTOR_REFLECTS_ANNOTATION = "reflector.v1.k8s.emberstack.com/reflects"

_HEAD_KEYS = ("apiVersion", "kind", "metadata")
# What a person writes in metadata; everything else there is set by the server.
_METADATA_KEYS = ("name", "namespace", "labels", "annotations")

_NOISY_ANNOTATIONS = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "control-plane.alpha.kubernetes.io/leader",
        "endpoints.kubernetes.io/last-change-trigger-time",
        "pv.kubernetes.io/bind-completed",
        "pv.kubernetes.io/bound-by-controller",
        "volume.beta.kubernetes.io/storage-provisioner",
        "volume.kubernetes.io/storage-provisioner",
        "volume.kubernetes.io/selected-node",
        "kustomize.toolkit.fluxcd.io/checksum",
        "reconcile.fluxcd.io/requestedAt",
        "reconcile.fluxcd.io/forceAt",
        "argocd.argoproj.io/tracking-id",
    }
)
# Argo's default tracking label app.kubernetes.io/instance stays: it is also one
# of the recommended labels people set by hand.
_NOISY_LABELS = frozenset(
    {
        "kustomize.toolkit.fluxcd.io/name",
        "kustomize.toolkit.fluxcd.io/namespace",
        "helm.toolkit.fluxcd.io/name",
        "helm.toolkit.fluxcd.io/namespace",
        "argocd.argoproj.io/instance",
    }
)

# Per (API group, kind): paths the API server or a controller fills in.
_KIND_NOISE: Mapping[tuple[str, str], tuple[tuple[str, ...], ...]] = {
    ("", "Service"): (("spec", "ipFamilies"), ("spec", "ipFamilyPolicy")),
    ("", "PersistentVolumeClaim"): (("spec", "volumeName"),),
    ("", "Namespace"): (("spec",), ("metadata", "labels", "kubernetes.io/metadata.name")),
    ("batch", "Job"): (
        ("metadata", "labels", "controller-uid"),
        ("metadata", "labels", "batch.kubernetes.io/controller-uid"),
    ),
}


def api_group(api_version: str) -> str:
    """The API group of an ``apiVersion`` (``""`` for the core group's ``v1``)."""
    group, _, _version = api_version.rpartition("/")
    return group


def is_replica(obj: Mapping[str, Any]) -> bool:
    """True for a copy made by Reflector: its source is mirrored already, so skip it."""
    annotations = _mapping_at(obj, "metadata", "annotations")
    if not annotations.get(REFLECTOR_REFLECTS_ANNOTATION):
        return False
    metadata = _mapping_at(obj, "metadata")
    _log.debug(
        "skipping Reflector copy %s %s/%s of %s",
        obj.get("kind"),
        metadata.get("namespace"),
        metadata.get("name"),
        annotations[REFLECTOR_REFLECTS_ANNOTATION],
    )
    return True


def sanitise(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest of ``obj``: noise removed, keys in canonical order, input untouched."""
    _require_identity(obj)
    clean = _canonical(obj)
    clean.pop("status", None)
    clean["metadata"] = _clean_metadata(clean.get("metadata", {}))
    _drop_kind_noise(clean, (api_group(clean["apiVersion"]), clean["kind"]))
    return _ordered(clean, _HEAD_KEYS)


def _require_identity(obj: Mapping[str, Any]) -> None:
    for key in ("apiVersion", "kind"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise InvalidObject(f"object has no {key}")
    metadata = obj.get("metadata")
    if not isinstance(metadata, Mapping) or not isinstance(metadata.get("name"), str):
        raise InvalidObject(f"{obj['kind']} has no metadata.name")
    if not metadata["name"]:
        raise InvalidObject(f"{obj['kind']} has an empty metadata.name")


def _canonical(value: Any) -> Any:
    """Plain dicts with sorted keys and lists; nulls in mappings dropped.

    The API's JSON omits unset fields, typed clients fill them with ``null``:
    dropping nulls makes both spellings of one object the same manifest.
    """
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_canonical(item) for item in value]
    return value


def _clean_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    kept = {key: metadata[key] for key in _METADATA_KEYS if key in metadata}
    for key, noise in (("labels", _NOISY_LABELS), ("annotations", _NOISY_ANNOTATIONS)):
        if key in kept:
            kept[key] = {k: v for k, v in kept[key].items() if k not in noise}
            if not kept[key]:
                del kept[key]
    return kept


def _drop_kind_noise(manifest: dict[str, Any], group_kind: tuple[str, str]) -> None:
    for path in _KIND_NOISE.get(group_kind, ()):
        _delete_path(manifest, path)
    if group_kind == ("", "Service"):
        _drop_allocated_cluster_ips(manifest.get("spec"))
    for key in ("labels", "annotations"):
        if manifest["metadata"].get(key) == {}:
            del manifest["metadata"][key]


def _drop_allocated_cluster_ips(spec: Any) -> None:
    """Allocated cluster IPs are noise; ``None`` (a headless Service) is intent."""
    if not isinstance(spec, dict) or spec.get("clusterIP") == "None":
        return
    spec.pop("clusterIP", None)
    spec.pop("clusterIPs", None)


def _delete_path(manifest: dict[str, Any], path: tuple[str, ...]) -> None:
    parent: Any = manifest
    for key in path[:-1]:
        parent = parent.get(key) if isinstance(parent, dict) else None
    if isinstance(parent, dict):
        parent.pop(path[-1], None)


def _ordered(mapping: dict[str, Any], head: Sequence[str]) -> dict[str, Any]:
    first = {key: mapping[key] for key in head if key in mapping}
    return first | {key: value for key, value in mapping.items() if key not in first}


def _mapping_at(obj: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    current: Any = obj
    for key in path:
        current = current.get(key) if isinstance(current, Mapping) else None
    return current if isinstance(current, Mapping) else {}
