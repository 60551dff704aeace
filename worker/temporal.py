"""Connecting to Temporal the one way every process of the project does.

The pydantic data converter is set on the client (workers inherit it), so every
workflow, activity, signal and query payload is a typed model on both sides.
"""

from __future__ import annotations

import asyncio
import logging

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from worker.settings import TemporalSettings

__all__ = ["connect"]

_log = logging.getLogger(__name__)
_MAX_WAIT = 10.0


async def connect(settings: TemporalSettings, *, wait: bool = True) -> Client:
    """A client of ``settings``' namespace; with ``wait``, retry until the server answers."""
    delay = 0.5
    while True:
        try:
            return await Client.connect(
                settings.address,
                namespace=settings.namespace,
                data_converter=pydantic_data_converter,
            )
        except RuntimeError as error:
            if not wait:
                raise
            _log.warning(
                "Temporal at %s is not reachable (%s); retrying in %.1fs",
                settings.address,
                error,
                delay,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, _MAX_WAIT)
