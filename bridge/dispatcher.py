"""From changes of custom resources to workflow signals and finalizer updates.

Keeps what the informers listed (GitTargets by key, and the generation of every
provider and rule) and turns each change into work for the affected targets only:

- a GitTarget created, re-created or with a new generation: signal-with-start its
  workflow with ``spec_changed`` (the bridge's first list signals every target whose
  workflow is not running or has not seen its generation);
- a GitTarget without the bridge's finalizer: add it; one being deleted: signal
  ``delete``, wait for the workflow to finish, then remove the finalizer;
- a GitProvider, Flux GitRepository, WatchRule or ClusterWatchRule created, changed
  (new generation) or deleted: ``dependency_changed`` to the targets that use it;
- a GitTarget gone: ``dependency_changed`` to targets held back by ``TargetConflict``;
- a CustomResourceDefinition established, changed or deleted: ``dependency_changed`` to
  the targets whose rules select its group and resource (a wildcard included), so their
  streams start or stop watching it without a restart.

Work per key is coalesced and retried with backoff while Temporal or the API server is
unreachable, so a burst of changes costs one signal per target and nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from bridge.informers import Changed, Event, Kind, Listed
from bridge.metrics import SIGNAL_FAILURES, SIGNALS
from bridge.targets import FINALIZER, Conflict, TargetWriter
from worker.settings import TemporalSettings
from workflows import search_attributes
from workflows.api import ApiGroup, ProviderKind
from workflows.api.conditions import ConditionType, ValidatedReason
from workflows.lifecycle.messages import (
    DependencyChanged,
    LifecycleInput,
    SignalName,
    SpecChanged,
    TargetDeleted,
    TargetRef,
)

__all__ = ["Dispatcher"]

_log = logging.getLogger(__name__)
_WORKFLOW_TYPE = "GitTarget"
_CONCURRENCY = 8
_FIRST_RETRY = 0.5
_MAX_RETRY = 30.0

Key = tuple[str, str]
DependencyKey = tuple[Kind, str, str]


@dataclass
class _Work:
    """What one target is owed; merged while it waits."""

    spec: tuple[int, str] | None = None
    startup: bool = False
    causes: list[str] = field(default_factory=list)
    finalizer: bool = False
    delete: bool = False
    rediscover: bool = False

    def merge(self, other: _Work) -> None:
        if other.spec:
            self.spec, self.startup = other.spec, other.startup
        self.causes.extend(c for c in other.causes if c not in self.causes)
        self.finalizer |= other.finalizer
        self.delete |= other.delete
        self.rediscover |= other.rediscover


class Dispatcher:
    def __init__(self, client: Client, writer: TargetWriter, temporal: TemporalSettings) -> None:
        self._client = client
        self._writer = writer
        self._temporal = temporal
        self._targets: dict[Key, dict[str, Any]] = {}
        self._known: dict[Kind, dict[Key, dict[str, Any]]] = defaultdict(dict)
        self._signalled: dict[Key, tuple[int, str]] = {}
        self._work: dict[Key, _Work] = {}
        self._ready: asyncio.Queue[Key] = asyncio.Queue()
        self._finalizing: set[Key] = set()
        self._listed: set[Kind] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, events: asyncio.Queue[Event]) -> None:
        """Consume informer events and do the owed work until cancelled."""
        workers = [asyncio.create_task(self._work_loop()) for _ in range(_CONCURRENCY)]
        try:
            while True:
                event = await events.get()
                if isinstance(event, Listed):
                    self._on_listed(event)
                else:
                    self._on_changed(event)
        finally:
            for task in [*workers, *self._tasks]:
                task.cancel()

    # --- events ---

    def _on_listed(self, listed: Listed) -> None:
        first = listed.kind not in self._listed
        self._listed.add(listed.kind)
        seen = {_key(obj) for obj in listed.objects}
        for obj in listed.objects:
            self._on_changed(Changed(listed.kind, obj, deleted=False), startup=first)
        gone = set(self._targets if listed.kind == Kind.GIT_TARGET else self._known[listed.kind])
        for key in gone - seen:
            last = self._targets.get(key) or self._known[listed.kind].get(key) or {}
            self._on_changed(Changed(listed.kind, last, deleted=True))

    def _on_changed(self, change: Changed, *, startup: bool = False) -> None:
        if change.kind == Kind.GIT_TARGET:
            self._on_target(change.object, change.deleted, startup=startup)
            return
        key = _key(change.object)
        known = self._known[change.kind]
        if change.deleted:
            last = known.pop(key, None)
            if last is None:
                return
            obj, what = last, "deleted"
        else:
            previous = known.get(key)
            known[key] = obj = change.object
            if startup or (previous is not None and _revision(previous) == _revision(obj)):
                return
            if change.kind == Kind.CUSTOM_RESOURCE_DEFINITION and not _established(obj):
                return  # discovery does not serve it yet; its Established update follows
            what = "created" if previous is None else "changed"
        cause = f"{change.kind} {_name(key)} {what}"
        rediscover = change.kind == Kind.CUSTOM_RESOURCE_DEFINITION
        for target in self._dependents(change.kind, key, obj):
            self._owe(target, _Work(causes=[cause], rediscover=rediscover))

    def _on_target(self, obj: dict[str, Any], deleted: bool, *, startup: bool) -> None:
        key = _key(obj)
        if deleted:
            self._targets.pop(key, None)
            if key not in self._finalizing and key in self._signalled:
                self._owe(key, _Work(delete=True))
            for other in self._conflicted():
                self._owe(other, _Work(causes=[f"GitTarget {_name(key)} deleted"]))
            return
        self._targets[key] = obj
        metadata = obj.get("metadata") or {}
        finalizers = metadata.get("finalizers") or []
        if metadata.get("deletionTimestamp"):
            if FINALIZER in finalizers:
                self._owe(key, _Work(delete=True))
            return
        spec = (int(metadata.get("generation") or 0), str(metadata.get("uid") or ""))
        work = _Work(finalizer=FINALIZER not in finalizers)
        if self._signalled.get(key) != spec:
            # Noted now, so the events that follow (our own finalizer patch) owe nothing more;
            # a failed start is retried from the work itself.
            self._signalled[key] = spec
            work.spec, work.startup = spec, startup and _observed(obj) == spec[0]
        if work.spec or work.finalizer:
            self._owe(key, work)

    def _dependents(self, kind: Kind, key: Key, obj: dict[str, Any]) -> list[Key]:
        """The targets that ``obj`` (a provider or a rule, by ``kind``) feeds."""
        if kind == Kind.WATCH_RULE:
            return [(key[0], _spec(obj, "targetRef", "name"))]
        if kind == Kind.CLUSTER_WATCH_RULE:
            return [(_spec(obj, "targetRef", "namespace"), _spec(obj, "targetRef", "name"))]
        if kind == Kind.CUSTOM_RESOURCE_DEFINITION:
            return self._selecting(_spec(obj, "group"), _spec(obj, "names", "plural"))
        provider = (
            ProviderKind.GIT_PROVIDER if kind == Kind.GIT_PROVIDER else ProviderKind.GIT_REPOSITORY
        )
        return [
            target
            for target, found in self._targets.items()
            if target[0] == key[0] and _provider_of(found) == (provider, key[1])
        ]

    def _selecting(self, group: str, resource: str) -> list[Key]:
        """Targets with a rule that selects ``resource`` of ``group`` (a wildcard included)."""
        found: set[Key] = set()
        for kind in (Kind.WATCH_RULE, Kind.CLUSTER_WATCH_RULE):
            for key, rule in self._known[kind].items():
                if _selects(rule, group, resource):
                    found.update(self._dependents(kind, key, rule))
        return sorted(found)

    def _conflicted(self) -> list[Key]:
        return [
            key
            for key, obj in self._targets.items()
            if _validated_reason(obj) == ValidatedReason.TARGET_CONFLICT
        ]

    # --- work ---

    def _owe(self, key: Key, work: _Work) -> None:
        waiting = self._work.get(key)
        if waiting is not None:
            waiting.merge(work)
            return
        self._work[key] = work
        self._ready.put_nowait(key)

    async def _work_loop(self) -> None:
        while True:
            key = await self._ready.get()
            work = self._work.pop(key, None)
            if work is None:
                continue
            try:
                await self._do(key, work)
            except (RPCError, Conflict, OSError, RuntimeError) as error:
                _log.warning("bridge work for %s/%s failed (%s); retrying", *key, error)
                self._retry_later(key, work)

    def _retry_later(self, key: Key, work: _Work, delay: float = _FIRST_RETRY) -> None:
        async def later() -> None:
            await asyncio.sleep(delay)
            self._owe(key, work)

        task = asyncio.create_task(later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _do(self, key: Key, work: _Work) -> None:
        target = TargetRef(namespace=key[0], name=key[1])
        if work.delete:
            self._finalize_in_background(target)
            return
        if work.finalizer:
            await asyncio.to_thread(self._add_finalizer, target)
        if work.spec:
            await self._start_or_signal(target, work.spec, work.startup)
        for cause in work.causes:
            await self._signal(
                target,
                SignalName.DEPENDENCY_CHANGED,
                DependencyChanged(cause=cause, rediscover=work.rediscover),
            )

    async def _start_or_signal(
        self, target: TargetRef, spec: tuple[int, str], startup: bool
    ) -> None:
        generation, uid = spec
        if startup and await self._running(target):
            return  # the running workflow has seen this generation: nothing to say
        await self._client.start_workflow(
            _WORKFLOW_TYPE,
            LifecycleInput(
                target=target, status_task_queue=self._temporal.status_task_queue, uid=uid
            ),
            id=target.workflow_id,
            task_queue=self._temporal.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            start_signal=SignalName.SPEC_CHANGED,
            start_signal_args=[SpecChanged(generation=generation, uid=uid)],
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(search_attributes.GIT_TARGET_NAMESPACE, target.namespace),
                    SearchAttributePair(search_attributes.GIT_TARGET_NAME, target.name),
                ]
            ),
        )
        SIGNALS.labels(SignalName.SPEC_CHANGED).inc()

    async def _signal(self, target: TargetRef, name: SignalName, arg: object) -> None:
        try:
            await self._client.get_workflow_handle(target.workflow_id).signal(name, arg)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return  # no running workflow: its start will see the change anyway
            SIGNAL_FAILURES.labels(name).inc()
            raise
        SIGNALS.labels(name).inc()

    async def _running(self, target: TargetRef) -> bool:
        try:
            described = await self._client.get_workflow_handle(target.workflow_id).describe()
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return described.status == WorkflowExecutionStatus.RUNNING

    def _add_finalizer(self, target: TargetRef) -> None:
        self._change_finalizer(target, hold=True)

    def _remove_finalizer(self, target: TargetRef) -> None:
        self._change_finalizer(target, hold=False)

    def _change_finalizer(self, target: TargetRef, *, hold: bool) -> None:
        """Add (``hold``) or remove the bridge's finalizer, leaving the others alone.

        A target being deleted gets none added; one already as wanted is not written.
        """
        current = self._writer.read(target.namespace, target.name)
        if current is None:
            return
        metadata = current["metadata"]
        present = list(metadata.get("finalizers") or [])
        if (FINALIZER in present) == hold or (hold and metadata.get("deletionTimestamp")):
            return
        others = [f for f in present if f != FINALIZER]
        wanted = [*others, FINALIZER] if hold else others
        self._writer.set_finalizers(
            target.namespace, target.name, metadata["resourceVersion"], wanted
        )

    def _finalize_in_background(self, target: TargetRef) -> None:
        key = (target.namespace, target.name)
        if key in self._finalizing:
            return
        self._finalizing.add(key)
        task = asyncio.create_task(self._finalize(target))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _finalize(self, target: TargetRef) -> None:
        """Signal ``delete``, wait until the workflow finished, then release the finalizer."""
        key = (target.namespace, target.name)
        delay = _FIRST_RETRY
        while True:
            try:
                await self._signal(target, SignalName.DELETE, TargetDeleted())
                await self._wait_finished(target)
                await asyncio.to_thread(self._remove_finalizer, target)
                break
            except (RPCError, Conflict, OSError, RuntimeError) as error:
                _log.warning("finalizing %s failed (%s); retrying", target, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY)
        self._signalled.pop(key, None)
        self._finalizing.discard(key)

    async def _wait_finished(self, target: TargetRef) -> None:
        try:
            await self._client.get_workflow_handle(target.workflow_id).result()
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
        except Exception as error:  # noqa: BLE001 - a failed or terminated run has finished too
            _log.info("workflow of %s ended without a result: %s", target, error)


def _key(obj: dict[str, Any]) -> Key:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def _name(key: Key) -> str:
    return f"{key[0]}/{key[1]}" if key[0] else key[1]


def _generation(obj: dict[str, Any]) -> int:
    return int((obj.get("metadata") or {}).get("generation") or 0)


def _revision(obj: dict[str, Any]) -> tuple[int, bool]:
    """What a dependency's change is judged by: its generation (and, for a CRD, whether
    it is established: served by discovery)."""
    return _generation(obj), _established(obj)


def _established(obj: dict[str, Any]) -> bool:
    conditions = (obj.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def _selects(rule: dict[str, Any], group: str, resource: str) -> bool:
    for entry in (rule.get("spec") or {}).get("rules") or []:
        groups = entry.get("apiGroups") or ["*"]
        resources = entry.get("resources") or []
        if ("*" in groups or group in groups) and ("*" in resources or resource in resources):
            return True
    return False


def _spec(obj: dict[str, Any], *path: str) -> str:
    node: Any = obj.get("spec") or {}
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return str(node or "")


def _provider_of(target: dict[str, Any]) -> tuple[ProviderKind, str]:
    ref = (target.get("spec") or {}).get("providerRef") or {}
    kind = ProviderKind(ref.get("kind") or ProviderKind.GIT_PROVIDER)
    if ref.get("group") == ApiGroup.FLUX_SOURCE:
        kind = ProviderKind.GIT_REPOSITORY
    return kind, str(ref.get("name") or "")


def _observed(target: dict[str, Any]) -> int | None:
    observed = (target.get("status") or {}).get("observedGeneration")
    return int(observed) if observed is not None else None


def _validated_reason(target: dict[str, Any]) -> str | None:
    for condition in (target.get("status") or {}).get("conditions") or []:
        if condition.get("type") == ConditionType.VALIDATED:
            return str(condition.get("reason"))
    return None
