"""A lifecycle under test: the real workflow on the real dev server, scripted gates."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from tests.integration.lifecycle.fakes import Gates, StatusSink
from workflows.api import GitTargetStatus
from workflows.api.conditions import ConditionType
from workflows.lifecycle.messages import LifecycleInput, SignalName, SpecChanged, TargetRef
from workflows.lifecycle.workflow import GitTargetWorkflow


@dataclass
class Lifecycle:
    client: Client
    gates: Gates
    sink: StatusSink
    task_queue: str
    status_queue: str
    target: TargetRef

    async def start(self, generation: int = 1) -> WorkflowHandle[GitTargetWorkflow, object]:
        """What the bridge does when it sees the GitTarget: signal-with-start."""
        return await self.client.start_workflow(
            GitTargetWorkflow.run,
            LifecycleInput(target=self.target, status_task_queue=self.status_queue, uid="uid-1"),
            id=self.target.workflow_id,
            task_queue=self.task_queue,
            start_signal=SignalName.SPEC_CHANGED,
            start_signal_args=[SpecChanged(generation=generation, uid="uid-1")],
        )

    @property
    def handle(self) -> WorkflowHandle[GitTargetWorkflow, object]:
        return self.client.get_workflow_handle_for(GitTargetWorkflow.run, self.target.workflow_id)

    def mark(self) -> int:
        """How many publications there are so far (for ``published(after=...)``)."""
        return len(self.sink.received)

    async def published(
        self,
        predicate: Callable[[GitTargetStatus], bool],
        *,
        after: int = 0,
        timeout: float = 15.0,
    ) -> GitTargetStatus:
        """Wait until a publication after the ``after``-th satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        seen = after
        while time.monotonic() < deadline:
            for publication in self.sink.received[seen:]:
                if predicate(publication.status):
                    return publication.status
            seen = len(self.sink.received)
            await asyncio.sleep(0.05)
        last = self.sink.received[-1].status if self.sink.received else None
        raise AssertionError(f"no publication matched within {timeout}s; last: {last}")


def condition(status: GitTargetStatus, kind: ConditionType) -> tuple[str, str]:
    found = next(c for c in status.conditions if c.type == kind)
    return str(found.status), str(found.reason)


def ready(status: GitTargetStatus) -> bool:
    return condition(status, ConditionType.READY)[0] == "True"


HISTORIES = Path(__file__).parent / "histories"
RECORD = "GITOPS_REVERSER_RECORD_HISTORIES"
"""Set to 1 to store each scripted lifecycle's history as a replay fixture."""


@contextlib.asynccontextmanager
async def scripted_lifecycle(client: Client) -> AsyncIterator[Lifecycle]:
    """A fresh target, its scripted gates and status sink, served by workers on ``client``."""
    suffix = uuid.uuid4().hex[:8]
    gates, sink = Gates(client), StatusSink()
    subject = Lifecycle(
        client=client,
        gates=gates,
        sink=sink,
        task_queue=f"lifecycle-{suffix}",
        status_queue=f"status-{suffix}",
        target=TargetRef(namespace="team-a", name=f"target-{suffix}"),
    )
    workflows = Worker(
        client, task_queue=subject.task_queue, workflows=[GitTargetWorkflow], activities=gates.all()
    )
    status = Worker(client, task_queue=subject.status_queue, activities=[sink.publish_status])
    async with workflows, status:
        yield subject
        await _finish(subject)


async def until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


@pytest_asyncio.fixture(loop_scope="session")
async def lifecycle(
    temporal_client: Client, request: pytest.FixtureRequest
) -> AsyncIterator[Lifecycle]:
    async with scripted_lifecycle(temporal_client) as subject:
        yield subject
    if os.environ.get(RECORD) == "1":
        history = await subject.handle.fetch_history()
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{request.node.name}.json").write_text(history.to_json())


async def _finish(subject: Lifecycle) -> None:
    """Leave no running workflow behind: the worker is about to stop."""
    description = await subject.handle.describe()
    if description.status is not None and description.status.name == "RUNNING":
        await subject.handle.terminate("test finished")
