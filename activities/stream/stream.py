"""The stream activity's loop: watch events become file changes, pushed by the batch policy.

ADDED and MODIFIED become the object's file, DELETED its removal (each only when the
rules allow that operation), through the target's branch writer; the provider's push
policy decides when they are pushed. Watch positions advance only over pushed events
(``Positions``) and travel as heartbeat details, so a restarted attempt (another
worker, after a crash) resumes from what the remote holds and replays the rest: files
are state, so a replay rewrites the same bytes.

Each attempt writes under its own fence (see ``activities/git/fence``): unless it is
the first attempt right after its snapshot, it first commits its fence into the
target folder, so an older attempt still running somewhere (its worker paused past
the heartbeat timeout) has every later change refused instead of pushing an older
state over this one's; such an attempt ends once it sees the newer fence, and its
pending changes leave the writer with it.

It reports ``live`` once every watch is open and the writer has fetched the remote,
``disconnected`` with the cause when the API server or the remote fails (then the
attempt fails and Temporal retries it), and ends by itself only when a watch's
history expired (410): the workflow re-lists with a snapshot. Cancellation (delivered
by heartbeats) stops every watch before the attempt ends, so two attempts of
one target never stream at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.boundary import run_blocking
from activities.context import WorkerContext
from activities.gates.encryption import target_encryption
from activities.git import (
    BranchWriter,
    Change,
    Claim,
    Fence,
    FileState,
    GitError,
    PushResult,
    Stage,
    Superseded,
    describe,
)
from activities.git.changes import target_folder
from activities.git.messages import Operation as CommitOperation
from activities.manifests import ManifestError
from activities.metrics import EVENT_TO_PUSH, EVENTS_RECEIVED, EVENTS_WRITTEN, STREAM_QUEUED
from activities.objects import Encryption, object_file, path_of
from activities.stream.latency import PushLatency
from activities.stream.positions import Positions
from activities.stream.reporter import Reporter
from activities.stream.watchers import Broken, Expired, Opened, Seen, Signal, Watchers
from activities.watches import Watch, watches
from activities.writers import open_writer
from workflows.api import Operation
from workflows.api.conditions import PushStatus, StreamReason
from workflows.lifecycle.messages import StreamCheckpoint, StreamInput, StreamResult

__all__ = ["run_stream"]

_log = logging.getLogger(__name__)
_TICK = 1.0
"""Longest wait for an event: heartbeats (and so cancellation) get through this often."""
_REPORT_EVERY = 5.0
_OPERATIONS = {"ADDED": Operation.CREATE, "MODIFIED": Operation.UPDATE, "DELETED": Operation.DELETE}
_COMMIT_OPERATIONS = {
    "ADDED": CommitOperation.CREATE,
    "MODIFIED": CommitOperation.UPDATE,
    "DELETED": CommitOperation.DELETE,
}


async def run_stream(context: WorkerContext, request: StreamInput) -> StreamResult:
    info = activity.info()
    resume = _resume_point(request, info.heartbeat_details)
    reporter = Reporter(
        context.client, info.workflow_id or "", request.stream_id, info.attempt, _REPORT_EVERY
    )
    fence = Fence(epoch=request.epoch, stage=Stage.STREAM, attempt=info.attempt)
    stream = _Stream(context, request, resume, reporter, fence)
    return await stream.run()


def _resume_point(request: StreamInput, details: Any) -> StreamCheckpoint:
    """The last pushed positions of an earlier attempt, else where the workflow started it."""
    if details:
        with contextlib.suppress(ValueError, TypeError):
            return StreamCheckpoint.model_validate(details[0])
    return request.start


class _Stream:
    def __init__(
        self,
        context: WorkerContext,
        request: StreamInput,
        resume: StreamCheckpoint,
        reporter: Reporter,
        fence: Fence,
    ) -> None:
        self._context = context
        self._request = request
        self._plan = request.plan
        self._reporter = reporter
        self._watches = list(watches(self._plan.watch))
        self._positions = Positions(pushed=dict(resume.positions))
        self._latency = PushLatency()
        self._target = f"{request.target.namespace}/{request.target.name}"
        self._claim = Claim(target_folder(self._plan.path), fence)
        self._opened: set[str] = set()
        self._queue: asyncio.Queue[Signal] = asyncio.Queue()
        self._live = False

    async def run(self) -> StreamResult:
        namespace = self._request.target.namespace
        try:
            writer = await self._blocking(open_writer, self._context, namespace, self._plan)
            encryption = await self._blocking(
                target_encryption, self._context, namespace, self._plan, self._request.recipient
            )
        except (GitError, ManifestError) as error:
            await self._disconnected(f"{error.reason}: {error}")
            raise
        try:
            return await self._follow(writer, encryption)
        finally:
            writer.withdraw(self._claim.folder, self._claim.fence)

    async def _follow(self, writer: BranchWriter, encryption: Encryption | None) -> StreamResult:
        try:
            await self._blocking(self._take_over, writer)
        except GitError as error:
            await self._disconnected(f"{error.reason}: {error}")
            raise
        except Superseded as error:
            raise self._superseded(error) from None
        starts = [(watch, self._positions.pushed.get(watch.key)) for watch in self._watches]
        watchers = Watchers.on_loop(self._context.cluster.watches, starts, self._queue)
        watchers.start()
        try:
            return await self._loop(writer, encryption, watchers)
        finally:
            await asyncio.get_running_loop().run_in_executor(self._context.executor, watchers.stop)

    def _take_over(self, writer: BranchWriter) -> None:
        """Commit this attempt's fence, unless the snapshot it follows holds the folder."""
        held = writer.fence_of(self._claim.folder)
        fence = self._claim.fence
        own_snapshot = held is not None and (held.epoch, held.stage) == (
            fence.epoch,
            Stage.SNAPSHOT,
        )
        if fence.attempt == 1 and own_snapshot:
            return
        writer.write_now(
            Change(
                files=(),
                description=f"stream of {self._target} resumed ({fence})",
                claim=replace(self._claim, stamp=True),
            )
        )

    def _superseded(self, error: Superseded) -> ApplicationError:
        """This attempt's end: a newer one holds the folder. Reports nothing (the workflow
        ignores an older attempt's reports); its result reaches nobody but the log."""
        _log.warning("stream of %s stops: %s", self._target, error)
        return ApplicationError(str(error), type=Superseded.reason, non_retryable=True)

    async def _loop(
        self, writer: BranchWriter, encryption: Encryption | None, watchers: Watchers
    ) -> StreamResult:
        while True:
            signal = await self._next(writer)
            if isinstance(signal, Expired):
                return StreamResult(expired=(signal.watch.key,))
            if isinstance(signal, Broken):
                await self._disconnected(f"watch {signal.watch.key}: {signal.error}")
                raise ApplicationError(f"watch {signal.watch.key} failed: {signal.error}")
            if isinstance(signal, Opened):
                self._opened.add(signal.watch.key)
            elif isinstance(signal, Seen):
                watchers.taken()
                self._handle(writer, encryption, signal)
            await self._push_if_due(writer)
            await self._checkpoint(writer)

    async def _next(self, writer: BranchWriter) -> Signal | None:
        due = writer.next_push_at()
        wait = _TICK if due is None else max(min(due - time.monotonic(), _TICK), 0.0)
        try:
            return await asyncio.wait_for(self._queue.get(), timeout=wait)
        except TimeoutError:
            return None

    def _handle(self, writer: BranchWriter, encryption: Encryption | None, seen: Seen) -> None:
        event, watch = seen.event, seen.watch
        if event.type == "BOOKMARK":
            self._positions.reached(watch.key, event.resource_version)
            return
        EVENTS_RECEIVED.labels(self._target, watch.selected.kind).inc()
        self._reporter.last_event_time = datetime.now(UTC)
        operation = _OPERATIONS.get(event.type)
        allowed = watch.selected.operations
        if operation is None or not (Operation.ALL in allowed or operation in allowed):
            self._positions.reached(watch.key, event.resource_version)
            return
        change = self._change(writer, encryption, watch, event.type, event.object)
        if change is None:
            self._positions.reached(watch.key, event.resource_version)
            return
        sequence = writer.submit(change)
        self._positions.submitted(watch.key, event.resource_version, sequence)
        self._latency.submitted(sequence, seen.received_at)
        EVENTS_WRITTEN.labels(self._target, watch.selected.kind).inc()

    def _change(
        self,
        writer: BranchWriter,
        encryption: Encryption | None,
        watch: Watch,
        kind: str,
        obj: dict[str, Any],
    ) -> Change | None:
        """The file change an event makes, or ``None`` when it writes nothing."""
        metadata = obj.get("metadata") or {}
        description = describe(
            _COMMIT_OPERATIONS[kind],
            str(obj.get("kind") or watch.selected.kind),
            metadata.get("namespace"),
            str(metadata.get("name")),
        )
        try:
            if kind == "DELETED":
                state = FileState(path_of(obj, watch.selected.resource, self._plan.path), None)
            else:
                found = object_file(
                    obj, watch.selected.resource, self._plan.path, encryption, writer.read_file
                )
                if found.content is None:
                    return None
                state = FileState(found.path, found.content)
        except (ManifestError, GitError) as error:
            _log.warning("not writing %s: %s", description, error)
            return None
        return Change(files=(state,), description=description, claim=self._claim)

    async def _push_if_due(self, writer: BranchWriter) -> None:
        if not writer.push_due():
            return
        try:
            result, held = await self._blocking(self._flush, writer)
        except GitError as error:
            self._reporter.last_push_status = PushStatus.FAILED
            await self._disconnected(f"{error.reason}: {error}")
            raise
        if self._claim.outdated_by(held):
            raise self._superseded(Superseded(f"{self._claim.folder}: {held} took over"))
        if result.commits:
            self._reporter.last_push_time = datetime.now(UTC)
            self._reporter.last_push_status = PushStatus.SUCCEEDED
            self._reporter.last_commit = result.head

    def _flush(self, writer: BranchWriter) -> tuple[PushResult, Fence | None]:
        """Push, then read the folder's fence on the tip just fetched or pushed: one trip to
        the worker's threads for both."""
        return writer.flush(), writer.fence_of(self._claim.folder)

    async def _checkpoint(self, writer: BranchWriter) -> None:
        """Advance over what is pushed; heartbeat it (the SDK throttles); report when live."""
        self._positions.advance(writer.pushed_through)
        for wait in self._latency.pushed(writer.pushed_through, time.monotonic()):
            EVENT_TO_PUSH.observe(wait)
        STREAM_QUEUED.labels(self._target).set(self._positions.waiting)
        activity.heartbeat(self._checkpoint_now())
        if not self._live and self._opened >= {watch.key for watch in self._watches}:
            self._live = True
        if self._live:
            await self._reporter.live(
                f"watching {len(self._watches)} resources",
                self._checkpoint_now(),
                self._positions.waiting,
            )

    async def _disconnected(self, cause: str) -> None:
        """Report the lost API server or remote with its cause; the attempt then fails."""
        self._live = False
        await self._reporter.disconnected(
            StreamReason.DISCONNECTED,
            cause,
            self._checkpoint_now(),
            self._positions.waiting,
        )

    def _checkpoint_now(self) -> StreamCheckpoint:
        return StreamCheckpoint(positions=dict(self._positions.pushed))

    async def _blocking(self, call: Any, *args: Any) -> Any:
        """``call`` on the worker's threads, heartbeating the checkpoint while it waits (on
        a writer other targets keep busy, a start or a push can take longer than the
        heartbeat timeout)."""
        return await run_blocking(
            self._context.executor, lambda: call(*args), lambda: (self._checkpoint_now(),)
        )
