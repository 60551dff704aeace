"""What the Kubernetes API modules share: resource types, watch events, typed failures.

Failures carry the condition reason ``KubernetesAPIFailed`` (``ClusterForbidden`` for a
403, whose message says what to grant). Messages carry the status code and reason,
never a response body (it may echo a Secret).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from workflows.api.conditions import LifecycleReason

__all__ = [
    "GONE",
    "AlreadyExists",
    "ApiResource",
    "ClusterError",
    "ClusterForbidden",
    "WatchEvent",
    "WatchExpired",
    "failure",
    "parse_watch_line",
]

_FORBIDDEN, _CONFLICT = 403, 409
GONE = 410
"""The status of a request for history the API server no longer has."""


class ClusterError(Exception):
    """A request to the API server failed (retrying may help)."""

    reason: ClassVar[LifecycleReason] = LifecycleReason.KUBERNETES_API_FAILED

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ClusterForbidden(ClusterError):
    """RBAC denied the request; the message names the verb and resource to grant."""


class AlreadyExists(ClusterError):
    """A create found the object already there."""


class WatchExpired(Exception):
    """The API server no longer has the history a watch or list continues from (410)."""


@dataclass(frozen=True)
class ApiResource:
    """One resource type the API server serves, as discovery describes it."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ()
    preferred: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        where = f"/namespaces/{namespace}" if namespace and self.namespaced else ""
        return f"{base}{where}/{self.resource}" + (f"/{name}" if name else "")


@dataclass(frozen=True)
class WatchEvent:
    type: str
    """ADDED, MODIFIED, DELETED or BOOKMARK."""
    object: dict[str, Any] = field(repr=False)
    resource_version: str


def failure(method: str, path: str, status: int, reason: str) -> ClusterError:
    """The typed error for a refused request."""
    message = f"{method} {path}: {status} {reason}"
    if status == _FORBIDDEN:
        verb = {"GET": "get/list", "POST": "create", "PATCH": "patch"}.get(method, method.lower())
        return ClusterForbidden(f"{message}; grant {verb} on {path}", status)
    if status == _CONFLICT and method == "POST":
        return AlreadyExists(message, status)
    return ClusterError(message, status)


def parse_watch_line(line: bytes | bytearray) -> WatchEvent | None:
    """One line of a watch response; ``None`` for a type this module does not know.

    ``WatchExpired`` for the 410 ERROR the server sends when the history is gone.
    """
    decoded = json.loads(line)
    kind = decoded.get("type")
    obj = decoded.get("object") or {}
    if kind == "ERROR":
        code = obj.get("code")
        if code == GONE:
            raise WatchExpired(str(obj.get("message") or "resource version too old"))
        raise ClusterError(f"watch error {code}: {obj.get('reason')}", code)
    if kind not in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK"):
        return None
    version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return WatchEvent(type=kind, object=obj, resource_version=version)
