"""Objects nobody wants in Git, skipped wherever a rule selects them.

The list, also in docs/api.md ("What is never mirrored"):

- the ``kube-root-ca.crt`` ConfigMap the API server copies into every namespace;
- ConfigMaps and Endpoints that hold a leader-election record (the
  ``control-plane.alpha.kubernetes.io/leader`` annotation): renewed every few seconds.

Events and Leases (leader election, node heartbeats) are resource types, not
objects: a wildcard rule does not select them (``activities.selection``).
Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LEADER_ANNOTATION", "ROOT_CA_CONFIG_MAP", "is_noise"]

ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
_LEADER_RECORD_KINDS = frozenset({"ConfigMap", "Endpoints"})


def is_noise(obj: Mapping[str, Any]) -> bool:
    """True for an object on the list above (core group only; other groups' kinds differ)."""
    if obj.get("apiVersion") != "v1":
        return False
    kind = obj.get("kind")
    metadata = obj.get("metadata") or {}
    if kind == "ConfigMap" and metadata.get("name") == ROOT_CA_CONFIG_MAP:
        return True
    annotations = metadata.get("annotations") or {}
    return kind in _LEADER_RECORD_KINDS and LEADER_ANNOTATION in annotations
