"""A minimal workflow + activity pair proving the Temporal dev server really runs work.

Kept outside test modules so the workflow sandbox imports nothing from pytest.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow


class Greeting(BaseModel):
    name: str


class Reply(BaseModel):
    text: str
    activity_attempt: int


@activity.defn
async def compose_reply(greeting: Greeting) -> Reply:
    return Reply(text=f"hello, {greeting.name}", activity_attempt=activity.info().attempt)


@workflow.defn
class EchoWorkflow:
    @workflow.run
    async def run(self, greeting: Greeting) -> Reply:
        return await workflow.execute_activity(
            compose_reply, greeting, start_to_close_timeout=timedelta(seconds=30)
        )
