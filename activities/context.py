"""What every activity of a worker shares: its clients, branch writers, cache and threads.

Built once per worker process (``worker.main``); activities receive it, never build it.
Discovery is cached for a few seconds: every validate needs it, so a burst of passes
(many targets signalled for one change) shares one read. A pass caused by a CRD
change asks for discovery read after it (``discovered_after``), so it sees the CRD.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from temporalio.client import Client

from activities.git import BranchWriters
from activities.kube import ApiResource, Cluster

__all__ = ["WorkerContext"]

_DISCOVERY_TTL = 10.0


@dataclass
class WorkerContext:
    cluster: Cluster
    writers: BranchWriters
    cache_dir: Path
    executor: Executor
    client: Client
    """Streams report to their own workflow through it (signals)."""
    _discovered: tuple[float, datetime, list[ApiResource]] | None = field(default=None, repr=False)
    _discovery_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def discover(self, after: datetime | None = None) -> list[ApiResource]:
        """The API server's resources, at most a few seconds old, and read after ``after``."""
        with self._discovery_lock:
            cached = self._discovered
            if (
                cached is not None
                and time.monotonic() - cached[0] < _DISCOVERY_TTL
                and (after is None or cached[1] > after)
            ):
                return cached[2]
            read_at = datetime.now(UTC)
            resources = self.cluster.discover()
            self._discovered = (time.monotonic(), read_at, resources)
            return resources
