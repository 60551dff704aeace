"""Continue-as-new, on a dev server told to suggest it after a short history: the new run
keeps the status and the stream's position, and a signal sent meanwhile is not lost."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from tests.harness.temporal import TemporalServer, start_temporal
from tests.harness.tools import Tools
from tests.integration.lifecycle.conftest import Lifecycle, ready
from tests.integration.lifecycle.fakes import Gates, StatusSink
from workflows.lifecycle.messages import ActivityName, DependencyChanged, SignalName, TargetRef
from workflows.lifecycle.workflow import GitTargetWorkflow

SUGGEST_AFTER_EVENTS = 80


@pytest.fixture(scope="module")
def short_history_temporal(
    tools: Tools, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TemporalServer]:
    server = start_temporal(
        tools,
        tmp_path_factory.mktemp("temporal-short"),
        dynamic_config={"limit.historyCount.suggestContinueAsNew": str(SUGGEST_AFTER_EVENTS)},
    )
    yield server
    server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def short_lived(short_history_temporal: TemporalServer) -> AsyncIterator[Lifecycle]:
    client = await Client.connect(
        short_history_temporal.address, data_converter=pydantic_data_converter
    )
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
    async with (
        Worker(
            client,
            task_queue=subject.task_queue,
            workflows=[GitTargetWorkflow],
            activities=gates.all(),
        ),
        Worker(client, task_queue=subject.status_queue, activities=[sink.publish_status]),
    ):
        yield subject
        await subject.handle.terminate("test finished")


async def test_a_long_lived_target_continues_as_new_keeping_its_status_and_position(
    short_lived: Lifecycle,
) -> None:
    first = await short_lived.start()
    await short_lived.published(ready)
    for index in range(40):  # each re-check adds a handful of events
        await short_lived.handle.signal(
            SignalName.DEPENDENCY_CHANGED, DependencyChanged(cause=f"change {index}")
        )
    for _ in range(150):
        described = await short_lived.handle.describe()
        if described.run_id != first.result_run_id:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the workflow never continued as new")
    await asyncio.sleep(1)
    await short_lived.handle.signal(SignalName.RESYNC)
    await _until(lambda: short_lived.gates.calls[ActivityName.SNAPSHOT] == 2)
    await short_lived.published(ready, after=len(short_lived.sink.received) - 1)
    assert short_lived.gates.calls[ActivityName.SNAPSHOT] == 2  # no snapshot for the new run
    assert len(short_lived.gates.streams) >= 3  # resumed after continuing, restarted by resync


async def _until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")
