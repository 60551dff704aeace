"""``publish_status``: the activity through which lifecycle workflows write GitTarget status.

Served by the active bridge on its own task queue, so the bridge stays the only writer
of ``.status``. A publication is applied when its sequence is above the one the status
carries (``workerRef.statusSequence``) and it changes something; a stale or repeated
one is refused, and one that changes nothing makes no patch. Each condition that
changes is announced as a Kubernetes Event on the GitTarget. The patch carries the
resourceVersion it was computed from; a conflict reads again.

Must NOT decide anything about gates: it writes what the workflow publishes.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor
from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.kube import Cluster, ObjectRef
from bridge.merge import merge_patch
from bridge.metrics import PUBLICATION_WAIT, PUBLICATIONS, STATUS_LAG, STATUS_PATCHES
from bridge.targets import Conflict, TargetWriter
from workflows.api import API_VERSION, GitTarget
from workflows.lifecycle.messages import (
    ActivityName,
    PublicationOutcome,
    PublicationResult,
    StatusPublication,
)

__all__ = ["StatusPublisher"]

_log = logging.getLogger(__name__)
_ATTEMPTS = 3


class StatusPublisher:
    """Patches run on ``patchers`` threads; Events are recorded on ``announcers`` threads
    afterwards, so recording them never delays a status."""

    def __init__(
        self,
        writer: TargetWriter,
        cluster: Cluster,
        patchers: Executor,
        announcers: Executor,
    ) -> None:
        self._writer = writer
        self._cluster = cluster
        self._patchers = patchers
        self._announcers = announcers

    @activity.defn(name=ActivityName.PUBLISH_STATUS)
    async def publish_status(self, publication: StatusPublication) -> PublicationResult:
        scheduled = activity.info().current_attempt_scheduled_time
        PUBLICATION_WAIT.observe(max((datetime.now(UTC) - scheduled).total_seconds(), 0))
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self._patchers, self.publish, publication)
        PUBLICATIONS.labels(outcome).inc()
        return PublicationResult(outcome=outcome)

    def publish(self, publication: StatusPublication) -> PublicationOutcome:
        """Apply ``publication`` unless it is stale, changes nothing or lost its target."""
        for _ in range(_ATTEMPTS):
            try:
                return self._publish_once(publication)
            except Conflict:
                continue
        raise ApplicationError(f"{publication.target}: status kept changing under the bridge")

    def _publish_once(self, publication: StatusPublication) -> PublicationOutcome:
        target = publication.target
        current = self._writer.read(target.namespace, target.name)
        metadata = (current or {}).get("metadata") or {}
        if current is None or (publication.uid and metadata.get("uid") != publication.uid):
            return PublicationOutcome.GONE
        old: dict[str, Any] = current.get("status") or {}
        if publication.sequence <= _sequence(old):
            return PublicationOutcome.STALE
        new = publication.status.model_dump(mode="json", by_alias=True, exclude_none=True)
        if _without_sequence(old) == _without_sequence(new):
            return PublicationOutcome.UNCHANGED
        self._writer.patch_status(
            target.namespace, target.name, metadata["resourceVersion"], merge_patch(old, new)
        )
        STATUS_PATCHES.inc()
        STATUS_LAG.observe(
            max((datetime.now(UTC) - publication.transition_time).total_seconds(), 0)
        )
        self._announce(metadata, old, new)
        return PublicationOutcome.PATCHED

    def _announce(self, metadata: dict[str, Any], old: dict[str, Any], new: dict[str, Any]) -> None:
        """One Event per condition whose status or reason changed."""
        before = {c["type"]: c for c in old.get("conditions") or []}
        ref = ObjectRef(
            api_version=API_VERSION,
            kind=GitTarget.KIND,
            namespace=metadata["namespace"],
            name=metadata["name"],
            uid=metadata.get("uid"),
        )
        for condition in new.get("conditions") or []:
            previous = before.get(condition["type"])
            if previous and (previous["status"], previous["reason"]) == (
                condition["status"],
                condition["reason"],
            ):
                continue
            try:
                self._cluster.emit_event(
                    ref,
                    "Warning" if condition["status"] == "False" else "Normal",
                    condition["reason"],
                    f"{condition['type']} is {condition['status']}: {condition['message']}",
                )
            except Exception as error:  # noqa: BLE001 - an Event is never worth a lost status
                _log.warning("could not record an Event for %s: %s", ref.name, error)


def _sequence(status: dict[str, Any]) -> int:
    return int((status.get("workerRef") or {}).get("statusSequence") or 0)


def _without_sequence(status: dict[str, Any]) -> dict[str, Any]:
    worker_ref = {k: v for k, v in (status.get("workerRef") or {}).items() if k != "statusSequence"}
    return {**status, "workerRef": worker_ref}
