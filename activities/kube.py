"""The Kubernetes API as the activities (and the bridge's informers) use it.

The one module of ``activities/`` that talks to the API server: reading our custom
resources (as the typed models of ``workflows.api``), Flux GitRepositories (``spec.url``
and ``spec.secretRef`` only), Secrets by name, discovery, paged lists and watches of any
resource, and Events. Callers keep the decisions; this module only moves data.

Failures become typed errors carrying the condition reason ``KubernetesAPIFailed``
(``ClusterForbidden`` for a 403, whose message says what to grant). Messages carry the
status code and reason, never a response body (it may echo a Secret), and Secret data
never appears in a ``repr``.

Watches are read by one ``WatchEngine`` per ``Cluster`` (``activities/kube_watch``):
one thread and its event loop, whatever the number of watches. ``watch_objects`` is
the blocking way to follow one, for threads (the bridge); ``watches.watch`` hands a
watch's news to a sink (the streams).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from pydantic import ValidationError
from urllib3.exceptions import HTTPError

from activities.kube_types import (
    GONE,
    AlreadyExists,
    ApiResource,
    ClusterError,
    ClusterForbidden,
    WatchEvent,
    WatchExpired,
    failure,
    parse_watch_line,
)
from activities.kube_watch import WatchEngine, tls_context
from workflows.api import (
    GROUP,
    VERSION,
    ApiGroup,
    ClusterWatchRule,
    GitProvider,
    GitTarget,
    WatchRule,
)

__all__ = [
    "AlreadyExists",
    "ApiResource",
    "Cluster",
    "ClusterError",
    "ClusterForbidden",
    "FluxRepository",
    "ObjectList",
    "ObjectRef",
    "SecretData",
    "WatchEvent",
    "WatchExpired",
    "parse_watch_line",
]

_log = logging.getLogger(__name__)
_NOT_FOUND = 404
_REQUEST_TIMEOUT = (10.0, 60.0)
_POOL_SIZE = 128
_PROBE_EVERY = 2.0
_BLOCKING_HELD = 1_000
"""Events a blocking watch reader may fall behind by before its watch stops reading."""
_STOP_CHECK = 0.5
_FLUX_VERSION = "v1"
ModelT = TypeVar("ModelT", GitTarget, GitProvider, WatchRule, ClusterWatchRule)


@dataclass(frozen=True)
class ObjectRef:
    """What an Event is about."""

    api_version: str
    kind: str
    namespace: str
    name: str
    uid: str | None = None


@dataclass(frozen=True)
class SecretData:
    name: str
    data: dict[str, bytes] = field(repr=False)
    type: str
    annotations: dict[str, str]
    uid: str
    resource_version: str


@dataclass(frozen=True)
class FluxRepository:
    url: str | None
    secret_name: str | None


@dataclass
class ObjectList:
    """A list of one resource, page by page; ``resource_version`` is the list's."""

    resource_version: str
    items: Iterator[dict[str, Any]] = field(repr=False)


_OURS = {
    GitTarget: ApiResource(GROUP, VERSION, GitTarget.PLURAL, GitTarget.KIND, True),
    GitProvider: ApiResource(GROUP, VERSION, GitProvider.PLURAL, GitProvider.KIND, True),
    WatchRule: ApiResource(GROUP, VERSION, WatchRule.PLURAL, WatchRule.KIND, True),
    ClusterWatchRule: ApiResource(
        GROUP, VERSION, ClusterWatchRule.PLURAL, ClusterWatchRule.KIND, False
    ),
}
_FLUX = ApiResource(ApiGroup.FLUX_SOURCE, _FLUX_VERSION, "gitrepositories", "GitRepository", True)
_SECRETS = ApiResource("", "v1", "secrets", "Secret", True)
_EVENTS = ApiResource("", "v1", "events", "Event", True)


class Cluster:
    """Typed access to one API server; thread-safe (one connection pool, many threads)."""

    def __init__(self, api: client.ApiClient, *, probe_every: float = _PROBE_EVERY) -> None:
        self._api = api
        configuration: Any = cast(Any, api).configuration
        self._engine = WatchEngine(
            configuration.host,
            tls_context(configuration),
            lambda: configuration.get_api_key_with_prefix("BearerToken"),
            probe_every,
        )

    @classmethod
    def connect(cls, kubeconfig: Path | None) -> Cluster:
        """From a kubeconfig file, else the in-cluster ServiceAccount."""
        configuration = client.Configuration()
        if kubeconfig is not None:
            config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
        else:
            config.load_incluster_config(client_configuration=configuration)
        # The worker's threads share one pool; the default (5 per CPU) would discard
        # connections. Watches are not in it (the watch engine has its own).
        cast(Any, configuration).connection_pool_maxsize = _POOL_SIZE
        return cls(client.ApiClient(configuration))

    @property
    def api_client(self) -> client.ApiClient:
        return self._api

    # --- our custom resources and Flux's ---

    def get_git_target(self, namespace: str, name: str) -> GitTarget | None:
        return self._get_model(GitTarget, namespace, name)

    def list_git_targets(
        self, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> list[GitTarget]:
        """Every GitTarget; with ``where``, only those whose raw object it accepts (tested
        before parsing, so a cheap filter saves parsing them all)."""
        return self._list_models(GitTarget, None, where)

    def get_git_provider(self, namespace: str, name: str) -> GitProvider | None:
        return self._get_model(GitProvider, namespace, name)

    def list_watch_rules(self, namespace: str) -> list[WatchRule]:
        return self._list_models(WatchRule, namespace)

    def list_cluster_watch_rules(self) -> list[ClusterWatchRule]:
        return self._list_models(ClusterWatchRule, None)

    def get_flux_repository(self, namespace: str, name: str) -> FluxRepository | None:
        """``spec.url`` and ``spec.secretRef.name``; ``None`` when absent or Flux is not
        installed. Its status is never read."""
        found = self._get(_FLUX.path(namespace, name))
        if found is None:
            return None
        spec = found.get("spec") or {}
        secret = (spec.get("secretRef") or {}).get("name")
        url = spec.get("url")
        return FluxRepository(url=url if isinstance(url, str) else None, secret_name=secret)

    # --- Secrets, by name only ---

    def read_secret(self, namespace: str, name: str) -> SecretData | None:
        found = self._get(_SECRETS.path(namespace, name))
        if found is None:
            return None
        metadata = found.get("metadata") or {}
        data: dict[str, bytes] = {}
        for key, value in (found.get("data") or {}).items():
            with contextlib.suppress(binascii.Error, TypeError):
                data[key] = base64.b64decode(value, validate=True)
        return SecretData(
            name=name,
            data=data,
            type=str(found.get("type") or "Opaque"),
            annotations=dict(metadata.get("annotations") or {}),
            uid=str(metadata.get("uid") or ""),
            resource_version=str(metadata.get("resourceVersion") or ""),
        )

    def secret_version(self, namespace: str, name: str) -> str | None:
        """The Secret's resourceVersion, ``None`` when it does not exist (cheap polling)."""
        secret = self.read_secret(namespace, name)
        return secret.resource_version if secret else None

    def create_secret(
        self,
        namespace: str,
        name: str,
        data: dict[str, bytes],
        *,
        annotations: dict[str, str],
        secret_type: str = "Opaque",  # noqa: S107 - a Secret type, not a password
    ) -> SecretData:
        """Create it; ``AlreadyExists`` when someone else did first. Never updates."""
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
            "type": secret_type,
            "data": {key: base64.b64encode(value).decode("ascii") for key, value in data.items()},
        }
        created = self._request("POST", _SECRETS.path(namespace), body=body)
        metadata = created.get("metadata") or {}
        return SecretData(
            name=name,
            data=dict(data),
            type=secret_type,
            annotations=dict(annotations),
            uid=str(metadata.get("uid") or ""),
            resource_version=str(metadata.get("resourceVersion") or ""),
        )

    # --- discovery, lists, watches ---

    def discover(self) -> list[ApiResource]:
        """Every resource the server serves (no subresources), each group's preferred
        version marked."""
        found = self._resources("", "v1", preferred=True)
        groups = self._request("GET", "/apis").get("groups") or []
        for group in groups:
            preferred = (group.get("preferredVersion") or {}).get("version")
            for version in group.get("versions") or []:
                number = version.get("version")
                found.extend(self._resources(group["name"], number, preferred=number == preferred))
        return found

    def list_objects(
        self, resource: ApiResource, namespace: str | None, *, page_size: int = 500
    ) -> ObjectList:
        """Every object of ``resource`` (in ``namespace``, or all), fetched page by page."""
        path = resource.path(namespace)
        first = self._request("GET", path, query=[("limit", str(page_size))])
        version = str((first.get("metadata") or {}).get("resourceVersion") or "")
        return ObjectList(resource_version=version, items=self._pages(path, first, page_size))

    def watch_objects(
        self,
        resource: ApiResource,
        namespace: str | None,
        resource_version: str | None,
        stop: threading.Event,
        *,
        on_open: Callable[[], None] | None = None,
    ) -> Iterator[WatchEvent]:
        """Events after ``resource_version`` until ``stop`` is set; ``WatchExpired`` (410)
        when that history is gone. Re-opens after the server ends a watch."""
        inbox: queue.Queue[WatchEvent | Exception] = queue.Queue()
        room = self._engine.room(_BLOCKING_HELD)
        subscription = self._engine.watch(
            resource, namespace, resource_version, _InboxSink(inbox, on_open), room
        )
        try:
            while not stop.is_set():
                try:
                    item = inbox.get(timeout=_STOP_CHECK)
                except queue.Empty:
                    continue
                if isinstance(item, Exception):
                    raise item
                room.taken()
                yield item
        finally:
            subscription.stop()

    @property
    def watches(self) -> WatchEngine:
        """The engine that reads every watch (``watch`` follows one with a sink)."""
        return self._engine

    # --- Events ---

    def emit_event(
        self,
        target: ObjectRef,
        event_type: str,
        reason: str,
        message: str,
        *,
        key: str | None = None,
        bump: bool = True,
    ) -> bool:
        """Record an Event on ``target``; with ``key`` a repeat bumps the same Event's count
        (or, with ``bump=False``, leaves it: an announcement made once).

        True when a new Event was created, False when one with that key existed.
        """
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        name = _event_name(target, key)
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"namespace": target.namespace}
            | ({"name": name} if name else {"generateName": f"{target.name}."}),
            "involvedObject": {
                "apiVersion": target.api_version,
                "kind": target.kind,
                "namespace": target.namespace,
                "name": target.name,
            }
            | ({"uid": target.uid} if target.uid else {}),
            "type": event_type,
            "reason": reason,
            "message": message[:1024],
            "source": {"component": "gitops-reverser"},
            "reportingComponent": "gitops-reverser",
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        try:
            self._request("POST", _EVENTS.path(target.namespace), body=body)
            return True
        except AlreadyExists:
            if not bump:
                return False
        assert name is not None
        current = self._get(_EVENTS.path(target.namespace, name)) or {}
        patch = {
            "count": int(current.get("count") or 1) + 1,
            "lastTimestamp": now,
            "message": body["message"],
        }
        self._request(
            "PATCH",
            _EVENTS.path(target.namespace, name),
            body=patch,
            content_type="application/merge-patch+json",
        )
        return False

    # --- mechanics ---

    def _get_model(self, model: type[ModelT], namespace: str, name: str) -> ModelT | None:
        found = self._get(_OURS[model].path(namespace, name))
        return model.model_validate(found) if found is not None else None

    def _list_models(
        self,
        model: type[ModelT],
        namespace: str | None,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> list[ModelT]:
        listed = self.list_objects(_OURS[model], namespace)
        parsed = []
        for item in listed.items:
            if where is not None and not where(item):
                continue
            try:
                parsed.append(model.model_validate(item))
            except ValidationError as error:
                metadata = item.get("metadata") or {}
                _log.warning(
                    "skipping %s %s/%s that does not parse: %d problems",
                    model.KIND,
                    metadata.get("namespace"),
                    metadata.get("name"),
                    error.error_count(),
                )
        return parsed

    def _resources(self, group: str, version: str, *, preferred: bool) -> list[ApiResource]:
        path = f"/apis/{group}/{version}" if group else f"/api/{version}"
        try:
            listed = self._request("GET", path)
        except ClusterError as error:
            if error.status == _NOT_FOUND:  # a group version being removed
                return []
            raise
        return [
            ApiResource(
                group=group,
                version=version,
                resource=item["name"],
                kind=item.get("kind", ""),
                namespaced=bool(item.get("namespaced")),
                verbs=tuple(item.get("verbs") or ()),
                preferred=preferred,
            )
            for item in listed.get("resources") or []
            if "/" not in item.get("name", "/")
        ]

    def _pages(self, path: str, page: dict[str, Any], page_size: int) -> Iterator[dict[str, Any]]:
        while True:
            kind = str(page.get("kind") or "").removesuffix("List")
            api_version = page.get("apiVersion")
            for item in page.get("items") or []:
                # List items omit apiVersion and kind; put them back as the object has them.
                yield {"apiVersion": api_version, "kind": kind, **item}
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return
            try:
                page = self._request(
                    "GET", path, query=[("limit", str(page_size)), ("continue", token)]
                )
            except ClusterError as error:
                if error.status == GONE:
                    raise WatchExpired(f"list of {path} expired while paging") from None
                raise

    def _get(self, path: str) -> dict[str, Any] | None:
        try:
            return self._request("GET", path)
        except ClusterError as error:
            if error.status == _NOT_FOUND:
                return None
            raise

    def _request(
        self,
        method: str,
        path: str,
        *,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = "application/json",
    ) -> dict[str, Any]:
        response = self._send(method, path, query or [], body, _REQUEST_TIMEOUT, content_type)
        try:
            self._raise_for(response, method, path)
            payload = response.read()
        finally:
            response.response.release_conn()
        return json.loads(payload) if payload else {}

    def _send(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]],
        body: Any,
        timeout: tuple[float, float | None],
        content_type: str = "application/json",
    ) -> Any:
        headers = {"Accept": "application/json", "Content-Type": content_type}
        try:
            api = cast(Any, self._api)  # the stubs predate the generated client's raw calls
            serialized = api.param_serialize(
                method,
                path,
                query_params=query,
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            return api.call_api(*serialized, _request_timeout=timeout)
        except (OSError, ApiException, HTTPError) as error:
            status = getattr(error, "status", None)
            raise ClusterError(
                f"{method} {path}: {type(error).__name__} {status or ''}".strip(), status
            ) from None

    @staticmethod
    def _raise_for(response: Any, method: str, path: str) -> None:
        status = int(response.status)
        if status < 300:
            return
        with contextlib.suppress(Exception):
            response.response.drain_conn()
        raise failure(method, path, status, str(response.reason))


@dataclass(frozen=True)
class _InboxSink:
    """A watch's news on a thread-safe queue, for a blocking reader."""

    inbox: queue.Queue[WatchEvent | Exception]
    on_open: Callable[[], None] | None

    def opened(self) -> None:
        if self.on_open is not None:
            self.on_open()

    def event(self, event: WatchEvent) -> None:
        self.inbox.put(event)

    def ended(self, error: Exception) -> None:
        self.inbox.put(error)


def _event_name(target: ObjectRef, key: str | None) -> str | None:
    if key is None:
        return None
    digest = hashlib.sha256(f"{target.uid}/{key}".encode()).hexdigest()[:16]
    return f"{target.name[:200]}.{digest}"
