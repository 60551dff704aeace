"""The Temporal dev server runs real workflows and indexes the project's search attributes."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.worker import Worker

from tests.harness.smoke import EchoWorkflow, Greeting, Reply, compose_reply
from workflows import search_attributes

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_workflow_runs_an_activity_and_returns_its_result(temporal_client: Client) -> None:
    queue = f"smoke-{uuid.uuid4().hex}"
    async with Worker(
        temporal_client, task_queue=queue, workflows=[EchoWorkflow], activities=[compose_reply]
    ):
        reply = await temporal_client.execute_workflow(
            EchoWorkflow.run,
            Greeting(name="etcd"),
            id=f"smoke-{uuid.uuid4().hex}",
            task_queue=queue,
        )
    assert reply == Reply(text="hello, etcd", activity_attempt=1)


async def test_workflow_is_found_by_a_custom_search_attribute(temporal_client: Client) -> None:
    queue = f"smoke-{uuid.uuid4().hex}"
    marker = f"ns-{uuid.uuid4().hex[:8]}"
    workflow_id = f"gittarget/{marker}/demo"
    async with Worker(
        temporal_client, task_queue=queue, workflows=[EchoWorkflow], activities=[compose_reply]
    ):
        await temporal_client.execute_workflow(
            EchoWorkflow.run,
            Greeting(name="search"),
            id=workflow_id,
            task_queue=queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(search_attributes.GIT_TARGET_NAMESPACE, marker),
                    SearchAttributePair(search_attributes.GIT_TARGET_READY, True),
                ]
            ),
        )
    query = f"GitTargetNamespace = '{marker}' AND GitTargetReady = true"
    found: list[str] = []
    for _ in range(50):  # visibility is eventually consistent
        found = [execution.id async for execution in temporal_client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.2)
    assert found == [workflow_id]
