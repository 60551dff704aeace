"""The bridge's own writes to GitTargets: the status subresource and its finalizer.

Only the bridge writes these (RBAC grants the worker neither). Every write carries the
resourceVersion it was computed from, so a concurrent change makes it fail with
``Conflict`` instead of overwriting what it did not see. Reads are the plain objects
the API server serves.
"""

from __future__ import annotations

from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

from workflows.api import GROUP, VERSION, GitTarget

__all__ = ["FINALIZER", "Conflict", "TargetWriter"]

FINALIZER = "configbutler.ai/gittarget-lifecycle"
"""Held while a GitTarget's workflow runs; removed once it has finished."""
_PLURAL = GitTarget.PLURAL
_NOT_FOUND = 404
_CONFLICT = 409


class Conflict(Exception):
    """The object changed since it was read (or vanished); read it again."""


class TargetWriter:
    def __init__(self, api: client.ApiClient) -> None:
        self._api = client.CustomObjectsApi(api)

    def read(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._api.get_namespaced_custom_object(
                GROUP, VERSION, namespace, _PLURAL, name
            )
        except ApiException as error:
            if error.status == _NOT_FOUND:
                return None
            raise
        return found

    def patch_status(
        self, namespace: str, name: str, resource_version: str, patch: dict[str, Any]
    ) -> None:
        body = {"metadata": {"resourceVersion": resource_version}, "status": patch}
        self._call(
            self._api.patch_namespaced_custom_object_status,
            GROUP,
            VERSION,
            namespace,
            _PLURAL,
            name,
            body,
        )

    def set_finalizers(
        self, namespace: str, name: str, resource_version: str, finalizers: list[str]
    ) -> None:
        body = {"metadata": {"resourceVersion": resource_version, "finalizers": finalizers}}
        self._call(
            self._api.patch_namespaced_custom_object,
            GROUP,
            VERSION,
            namespace,
            _PLURAL,
            name,
            body,
        )

    @staticmethod
    def _call(method: Any, *args: Any) -> None:
        try:
            method(*args, _content_type="application/merge-patch+json")
        except ApiException as error:
            if error.status in (_CONFLICT, _NOT_FOUND):
                raise Conflict(f"{error.status} {error.reason}") from None
            raise
