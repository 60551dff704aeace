"""The activity boundary: how gate work runs and how its failures reach the workflow.

Gate logic is blocking (the Kubernetes client, libgit2), so activities are ``async``
and run it on the worker's thread pool through ``run_blocking``, which heartbeats
while it waits: a worker that dies mid-gate is noticed within the heartbeat timeout,
not the start-to-close one.

Errors leave as ``ApplicationError`` whose type is the condition reason (every typed
error of the libraries carries one in ``reason``), ``non_retryable`` unless retrying
can clear it, with a ``GateFailureDetail`` naming the Secret a retry waits for. An
unexpected exception becomes ``InternalError`` with its type and message (never a
pickled exception); its traceback goes to the worker log.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import Any, ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from workflows.api.conditions import RETRYABLE_REASONS, GitTargetReason, LifecycleReason
from workflows.lifecycle.messages import GateFailureDetail, SecretRef

__all__ = ["GateError", "gate_boundary", "run_blocking"]

_log = logging.getLogger(__name__)
_HEARTBEAT_EVERY = 2.0
_MESSAGE_LIMIT = 2000

P = ParamSpec("P")
T = TypeVar("T")


class GateError(Exception):
    """A gate's verdict: the reason its condition carries, and what may clear it."""

    def __init__(self, reason: GitTargetReason, message: str, secret: SecretRef | None = None):
        super().__init__(message)
        self.reason = reason
        self.secret = secret


async def run_blocking(
    executor: Executor, call: Callable[[], T], details: Callable[[], tuple[Any, ...]] = tuple
) -> T:
    """Run ``call`` on ``executor``, heartbeating every couple of seconds until it returns.

    ``details`` gives each heartbeat's details: a stream's checkpoint, so that a wait on
    a busy branch writer neither times the attempt out nor forgets its position.
    """
    future = asyncio.get_running_loop().run_in_executor(executor, call)
    while True:
        done, _ = await asyncio.wait({future}, timeout=_HEARTBEAT_EVERY)
        if done:
            return future.result()
        activity.heartbeat(*details())


def gate_boundary(
    function: Callable[P, Awaitable[T]],
) -> Callable[P, Awaitable[T]]:
    """Translate what ``function`` raises into the ``ApplicationError`` the workflow reads."""

    @functools.wraps(function)
    async def bounded(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await function(*args, **kwargs)
        except (ApplicationError, asyncio.CancelledError):
            raise
        except Exception as error:  # noqa: BLE001 - the boundary: every cause leaves typed
            raise as_application_error(error) from None

    return bounded


def as_application_error(error: Exception) -> ApplicationError:
    reason = getattr(error, "reason", None)
    if reason is None:
        _log.exception("gate failed unexpectedly", exc_info=error)
        reason = LifecycleReason.INTERNAL_ERROR
        message = f"{type(error).__name__}: {error}"
    else:
        message = str(error) or type(error).__name__
    secret = getattr(error, "secret", None)
    detail = GateFailureDetail(secret=secret if isinstance(secret, SecretRef) else None)
    return ApplicationError(
        message[:_MESSAGE_LIMIT],
        detail.model_dump(mode="json"),
        type=str(reason),
        non_retryable=str(reason) not in RETRYABLE_REASONS,
    )
