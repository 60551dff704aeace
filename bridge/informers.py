"""List-then-watch of the kinds the bridge follows, delivered to the dispatcher's event loop.

One thread per kind lists every object (all namespaces), hands the list over as one
``Listed`` batch, then watches from the list's resourceVersion and hands over each
``Changed`` object. An expired watch (410) or a broken connection lists again, and the
dispatcher diffs the new list against what it knew, so nothing is missed. A kind whose
CRD is not installed (Flux's GitRepository) is looked for again every minute.

Reads only; decides nothing.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from activities.kube import ApiResource, Cluster, ClusterError, WatchExpired
from workflows.api import GROUP, VERSION, ApiGroup

__all__ = ["BRIDGE_KINDS", "Changed", "Informers", "Kind", "Listed"]

_log = logging.getLogger(__name__)
_RETRY_SECONDS = 2.0
_ABSENT_KIND_RETRY_SECONDS = 60.0


class Kind(StrEnum):
    GIT_TARGET = "GitTarget"
    GIT_PROVIDER = "GitProvider"
    WATCH_RULE = "WatchRule"
    CLUSTER_WATCH_RULE = "ClusterWatchRule"
    GIT_REPOSITORY = "GitRepository"
    CUSTOM_RESOURCE_DEFINITION = "CustomResourceDefinition"


def _followed(
    group: str, version: str, kind: Kind, plural: str, *, namespaced: bool = True
) -> ApiResource:
    return ApiResource(
        group=group,
        version=version,
        resource=plural,
        kind=kind,
        namespaced=namespaced,
        verbs=("list", "watch"),
        preferred=True,
    )


def _ours(kind: Kind, plural: str, *, namespaced: bool = True) -> ApiResource:
    return _followed(GROUP, VERSION, kind, plural, namespaced=namespaced)


BRIDGE_KINDS: dict[Kind, ApiResource] = {
    Kind.GIT_TARGET: _ours(Kind.GIT_TARGET, "gittargets"),
    Kind.GIT_PROVIDER: _ours(Kind.GIT_PROVIDER, "gitproviders"),
    Kind.WATCH_RULE: _ours(Kind.WATCH_RULE, "watchrules"),
    Kind.CLUSTER_WATCH_RULE: _ours(Kind.CLUSTER_WATCH_RULE, "clusterwatchrules", namespaced=False),
    Kind.GIT_REPOSITORY: _followed(
        ApiGroup.FLUX_SOURCE, "v1", Kind.GIT_REPOSITORY, "gitrepositories"
    ),
    # A CRD served (or removed) after a target became Ready changes what its rules select.
    Kind.CUSTOM_RESOURCE_DEFINITION: _followed(
        "apiextensions.k8s.io",
        "v1",
        Kind.CUSTOM_RESOURCE_DEFINITION,
        "customresourcedefinitions",
        namespaced=False,
    ),
}


@dataclass(frozen=True)
class Listed:
    """Every object of ``kind`` as of one list (the first one, or after a watch broke)."""

    kind: Kind
    objects: list[dict[str, Any]]


@dataclass(frozen=True)
class Changed:
    kind: Kind
    object: dict[str, Any]
    deleted: bool


Event = Listed | Changed


class Informers:
    """The watch threads; events go to ``deliver`` on the dispatcher's loop."""

    def __init__(self, cluster: Cluster, deliver: Callable[[Event], None]) -> None:
        self._cluster = cluster
        self._deliver = deliver
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listed: set[Kind] = set()

    @classmethod
    def on_loop(
        cls, cluster: Cluster, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Event]
    ) -> Informers:
        def deliver(event: Event) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, event)

        return cls(cluster, deliver)

    def start(self) -> None:
        for kind, resource in BRIDGE_KINDS.items():
            thread = threading.Thread(
                target=self._follow, args=(kind, resource), name=f"watch-{kind}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def synced(self) -> bool:
        """True once every required kind has been listed at least once."""
        return self._listed >= set(BRIDGE_KINDS) - {Kind.GIT_REPOSITORY}

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _follow(self, kind: Kind, resource: ApiResource) -> None:
        while not self._stop.is_set():
            try:
                self._list_and_watch(kind, resource)
            except WatchExpired:
                continue
            except ClusterError as error:
                absent = getattr(error, "status", None) == 404
                wait = _ABSENT_KIND_RETRY_SECONDS if absent else _RETRY_SECONDS
                if not absent or kind != Kind.GIT_REPOSITORY:
                    _log.warning("watching %s failed (%s); again in %.0fs", kind, error, wait)
                self._stop.wait(wait)

    def _list_and_watch(self, kind: Kind, resource: ApiResource) -> None:
        listed = self._cluster.list_objects(resource, None)
        self._deliver(Listed(kind, list(listed.items)))
        self._listed.add(kind)
        for event in self._cluster.watch_objects(
            resource, None, listed.resource_version, self._stop
        ):
            if event.type in ("ADDED", "MODIFIED", "DELETED"):
                self._deliver(Changed(kind, event.object, deleted=event.type == "DELETED"))
