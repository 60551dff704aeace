"""SnapshotSynced: the target's folder holds exactly the objects its rules select.

Except where no rule selects a resource any more (in one namespace or at all): its
files stay, as history the user still has, until a resync (``RelistCause.RESYNC``)
asks for the folder to equal the selection. Only that snapshot deletes them.

Reasons: ``Completed`` (``Running`` while it runs is the workflow's); ``SnapshotFailed``,
the git failures, the object failures (``InvalidObject``), ``KubernetesAPIFailed``.

Lists every watch of the plan page by page, renders each object inside this activity
(nothing but counts leaves it), writes them as one snapshot commit and pushes it. An
object whose uid and resourceVersion the writer's last snapshot of the target wrote is
not rendered again: it keeps that snapshot's blob. A Reflector copy is skipped; a
Secret of a target without encryption is refused and counted, never written. The commit
stamps the folder's fence for this attempt, so no older snapshot or stream attempt
writes there afterwards. The list
resourceVersions come back as the stream's starting checkpoint. A retry after the push
landed reports that push's counts and commit, found again by the operation id.
"""

from __future__ import annotations

import logging

from activities.context import WorkerContext
from activities.gates.encryption import target_encryption
from activities.git import Fence, Listing, SnapshotRequest, Stage
from activities.git import snapshot as write_snapshot
from activities.kube import ObjectRef
from activities.metrics import RELISTS
from activities.objects import Skip, object_file
from activities.watches import watches
from activities.writers import open_writer
from workflows.api import API_VERSION, GitTarget
from workflows.lifecycle.messages import (
    RelistCause,
    SnapshotInput,
    SnapshotResult,
    StreamCheckpoint,
)

__all__ = ["snapshot"]

_log = logging.getLogger(__name__)


def snapshot(context: WorkerContext, request: SnapshotInput, attempt: int) -> SnapshotResult:
    plan = request.plan
    namespace = request.target.namespace
    RELISTS.labels(request.cause.value).inc()
    writer = open_writer(context, namespace, plan)
    encryption = target_encryption(context, namespace, plan, request.recipient)
    known = writer.known_versions(plan.path)
    files: dict[str, bytes] = {}
    versions: dict[str, str] = {}
    positions: dict[str, str] = {}
    refused = 0
    for watch in watches(plan.watch):
        listed = context.cluster.list_objects(watch.resource, watch.namespace)
        for obj in listed.items:
            found = object_file(
                obj, watch.selected.resource, plan.path, encryption, writer.read_file, known
            )
            if found.version is not None:
                versions[found.path] = found.version
            if found.content is not None:
                files[found.path] = found.content
            elif found.skip is Skip.SECRET_REFUSED:
                refused += 1
        positions[watch.key] = listed.resource_version
    result = write_snapshot(
        writer,
        SnapshotRequest(
            target_path=plan.path,
            files=files,
            operation_id=request.operation_id,
            versions=versions,
            fence=Fence(epoch=request.epoch, stage=Stage.SNAPSHOT, attempt=attempt),
            prune_scope=_prune_scope(request),
        ),
    )
    if refused:
        _announce_refused(context, request, refused)
    return SnapshotResult(
        created=result.created,
        updated=result.updated,
        deleted=result.deleted,
        objects=len(files.keys() | versions.keys()),
        refused_secrets=refused,
        commit=result.commit,
        changed=result.changed,
        checkpoint=StreamCheckpoint(positions=positions),
    )


def _prune_scope(request: SnapshotInput) -> frozenset[Listing] | None:
    """Where this snapshot deletes stale files: where it lists, everywhere on a resync.

    An object missing from a list is gone (deleted while nobody watched included), so
    its file goes. A resource the plan no longer lists, or no longer in that namespace,
    says nothing of its objects, and the user asked for no file to be removed yet.
    """
    if request.cause is RelistCause.RESYNC:
        return None
    return frozenset(
        Listing(watch.selected.group, watch.selected.resource, watch.namespace)
        for watch in watches(request.plan.watch)
    )


def _announce_refused(context: WorkerContext, request: SnapshotInput, refused: int) -> None:
    target = request.target
    _log.warning(
        "refused %d Secrets of GitTarget %s: it has no spec.encryption",
        refused,
        target,
        extra={"target": str(target)},
    )
    context.cluster.emit_event(
        ObjectRef(
            api_version=API_VERSION,
            kind=GitTarget.KIND,
            namespace=target.namespace,
            name=target.name,
            uid=request.plan.uid,
        ),
        "Warning",
        "PlaintextSecretRefused",
        f"{refused} selected Secrets were not written: the target has no spec.encryption, "
        "and Secrets never reach Git in plaintext",
        key="secrets-refused",
    )
