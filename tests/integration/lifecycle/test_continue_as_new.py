"""Continue-as-new, on a dev server told to suggest it after a short history: the new run
keeps the status and the stream's position, and a signal sent meanwhile is not lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tests.harness.temporal import TemporalServer, start_temporal
from tests.harness.tools import Tools
from tests.integration.lifecycle.conftest import Lifecycle, ready, scripted_lifecycle, until
from workflows.lifecycle.messages import ActivityName, DependencyChanged, SignalName

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
    async with scripted_lifecycle(client) as subject:
        yield subject


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
    await until(lambda: short_lived.gates.calls[ActivityName.SNAPSHOT] == 2)
    await short_lived.published(ready, after=len(short_lived.sink.received) - 1)
    assert short_lived.gates.calls[ActivityName.SNAPSHOT] == 2  # no snapshot for the new run
    assert len(short_lived.gates.streams) >= 3  # resumed after continuing, restarted by resync
