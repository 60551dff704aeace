"""Stored lifecycle histories replay on the current workflow code: a change that breaks
determinism for running workflows fails here. Re-record on purpose only (with
``workflow.patched`` for what runs in production):
``GITOPS_REVERSER_RECORD_HISTORIES=1 hack/test.sh tests/integration/lifecycle/test_workflow.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.integration.lifecycle.conftest import HISTORIES
from workflows.lifecycle.workflow import GitTargetWorkflow

STORED = sorted(HISTORIES.glob("*.json"))


def test_histories_are_stored_for_the_main_paths_of_the_lifecycle() -> None:
    names = {path.stem for path in STORED}
    assert {
        "test_a_new_target_passes_every_gate_and_publishes_ready",
        "test_a_retryable_failure_is_published_then_retried_until_ready",
        "test_a_stalled_gate_waits_for_a_change_instead_of_retrying",
        "test_resync_without_input_snapshots_again_and_restarts_the_stream",
        "test_delete_stops_the_stream_and_finishes",
    } <= names


@pytest.mark.parametrize("stored", STORED, ids=[p.stem for p in STORED])
async def test_a_stored_history_replays_on_the_current_workflow(stored: Path) -> None:
    history = WorkflowHistory.from_json(GitTargetWorkflow.__name__, stored.read_text())
    replayer = Replayer(workflows=[GitTargetWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
