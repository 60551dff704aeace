"""A stream's reports to its workflow: state changes at once, statistics throttled.

``EventStreamLive`` turns on the workflow's side only through these ``stream_report``
signals. A change of state (live, or disconnected with its cause) is sent at once;
the statistics (``lastEventTime``, ``queuedEvents``, the pushed checkpoint) at most
every ``interval`` seconds and only when they changed, so history does not grow per
event. Sends signals only; decides nothing about the stream.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from temporalio.client import Client
from temporalio.service import RPCError

from workflows.api.conditions import GitTargetReason, PushStatus
from workflows.lifecycle.messages import SignalName, StreamCheckpoint, StreamReport

__all__ = ["Reporter"]

_log = logging.getLogger(__name__)


class Reporter:
    def __init__(
        self, client: Client, workflow_id: str, stream_id: str, attempt: int, interval: float
    ) -> None:
        self._handle = client.get_workflow_handle(workflow_id)
        self._stream_id = stream_id
        self._attempt = attempt
        self._interval = interval
        self._sent: StreamReport | None = None
        self._sent_at = 0.0
        self.last_event_time: datetime | None = None
        self.last_push_time: datetime | None = None
        self.last_push_status: PushStatus | None = None
        self.last_commit: str | None = None

    async def live(self, message: str, checkpoint: StreamCheckpoint, queued: int) -> None:
        await self._send(self._report(True, None, message, checkpoint, queued), urgent=False)

    async def disconnected(
        self, reason: GitTargetReason, message: str, checkpoint: StreamCheckpoint, queued: int
    ) -> None:
        await self._send(self._report(False, reason, message, checkpoint, queued), urgent=True)

    def _report(
        self,
        live: bool,
        reason: GitTargetReason | None,
        message: str,
        checkpoint: StreamCheckpoint,
        queued: int,
    ) -> StreamReport:
        return StreamReport(
            stream_id=self._stream_id,
            attempt=self._attempt,
            live=live,
            reason=reason,
            message=message,
            checkpoint=checkpoint,
            last_event_time=self.last_event_time,
            last_push_time=self.last_push_time,
            last_push_status=self.last_push_status,
            last_commit=self.last_commit,
            queued_events=queued,
        )

    async def _send(self, report: StreamReport, *, urgent: bool) -> None:
        sent = self._sent
        if sent == report:
            return
        state_changed = sent is None or (sent.live, sent.reason) != (report.live, report.reason)
        due = time.monotonic() - self._sent_at >= self._interval
        if not (urgent or state_changed or due):
            return
        try:
            await self._handle.signal(SignalName.STREAM_REPORT, report)
        except RPCError as error:
            _log.warning("could not report the stream's state: %s", error)
            return
        self._sent, self._sent_at = report, time.monotonic()
