"""Minimal valid configbutler.ai objects and a small client for them, for API tests.

Every create sends ``fieldValidation=Strict``, as kubectl does, so unknown fields are
errors rather than silently pruned.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from workflows.api import API_VERSION, GROUP, VERSION, ClusterWatchRule, GitProvider, GitTarget
from workflows.api import WatchRule as WatchRuleModel

JSON = dict[str, Any]

PLURALS = {
    model.KIND: model.PLURAL for model in (GitProvider, GitTarget, WatchRuleModel, ClusterWatchRule)
}
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def _object(kind: str, name: str, spec: JSON) -> JSON:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec}


def provider(name: str = "repo") -> JSON:
    return _object(
        "GitProvider",
        name,
        {"url": "https://git.example.com/org/repo.git", "allowedBranches": ["main"]},
    )


def target(name: str = "target") -> JSON:
    return _object("GitTarget", name, {"providerRef": {"name": "repo"}, "path": "clusters/a"})


def watch_rule(name: str = "rule") -> JSON:
    return _object(
        "WatchRule",
        name,
        {"targetRef": {"name": "target"}, "rules": [{"resources": ["configmaps"]}]},
    )


def cluster_watch_rule(name: str) -> JSON:
    return _object(
        "ClusterWatchRule",
        name,
        {
            "targetRef": {"namespace": "team-a", "name": "target"},
            "rules": [{"resources": ["namespaces"]}],
        },
    )


def with_changes(body: JSON, changes: JSON) -> JSON:
    """``body`` with a JSON merge patch applied (None deletes a key)."""
    result = copy.deepcopy(body)
    _merge(result, changes)
    return result


def _merge(into: JSON, changes: JSON) -> None:
    for key, value in changes.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def error_message(error: ApiException) -> str:
    message: str = json.loads(error.body or "{}")["message"]
    return message


class Objects:
    """Create, read and change our kinds; namespace None means cluster-scoped."""

    def __init__(self, api_client: client.ApiClient) -> None:
        # Any: the stubs say these methods return None and know no _headers; the generated
        # client returns the object as a dict and accepts _headers.
        self.api: Any = client.CustomObjectsApi(api_client)

    def create(self, body: JSON, namespace: str | None) -> JSON:
        plural = PLURALS[body["kind"]]
        if namespace is None:
            created = self.api.create_cluster_custom_object(
                GROUP, VERSION, plural, body, field_validation="Strict"
            )
        else:
            created = self.api.create_namespaced_custom_object(
                GROUP, VERSION, namespace, plural, body, field_validation="Strict"
            )
        return _json(created)

    def get(self, kind: str, name: str, namespace: str | None) -> JSON:
        if namespace is None:
            return _json(self.api.get_cluster_custom_object(GROUP, VERSION, PLURALS[kind], name))
        return _json(
            self.api.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURALS[kind], name)
        )

    def patch(self, kind: str, name: str, namespace: str | None, patch: JSON) -> JSON:
        """A JSON merge patch of the main resource."""
        if namespace is None:
            return _json(
                self.api.patch_cluster_custom_object(
                    GROUP, VERSION, PLURALS[kind], name, patch, field_validation="Strict"
                )
            )
        return _json(
            self.api.patch_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURALS[kind], name, patch, field_validation="Strict"
            )
        )

    def patch_status(self, kind: str, name: str, namespace: str | None, status: JSON) -> JSON:
        """A JSON merge patch of the status subresource."""
        patch = {"status": status}
        if namespace is None:
            return _json(
                self.api.patch_cluster_custom_object_status(
                    GROUP, VERSION, PLURALS[kind], name, patch, field_validation="Strict"
                )
            )
        return _json(
            self.api.patch_namespaced_custom_object_status(
                GROUP, VERSION, namespace, PLURALS[kind], name, patch, field_validation="Strict"
            )
        )

    def delete(self, kind: str, name: str, namespace: str | None) -> None:
        if namespace is None:
            self.api.delete_cluster_custom_object(GROUP, VERSION, PLURALS[kind], name)
        else:
            self.api.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURALS[kind], name)

    def table(self, kind: str, namespace: str | None) -> list[JSON]:
        """The server-side table (what kubectl get prints), one dict per row by column name."""
        headers = {"Accept": TABLE}
        if namespace is None:
            table = self.api.list_cluster_custom_object(
                GROUP, VERSION, PLURALS[kind], _headers=headers
            )
        else:
            table = self.api.list_namespaced_custom_object(
                GROUP, VERSION, namespace, PLURALS[kind], _headers=headers
            )
        names = [column["name"] for column in _json(table)["columnDefinitions"]]
        return [dict(zip(names, row["cells"], strict=True)) for row in _json(table)["rows"]]


def _json(value: object) -> JSON:
    assert isinstance(value, dict)
    return value
