"""One branch writer per (remote URL, branch) in this process.

Targets that share a branch share its writer, so their commits are serialised
and never race each other's pushes. Holds writers only; does no git itself.
"""

from __future__ import annotations

import threading

from activities.git.branch_writer import BranchWriter, WriterConfig

__all__ = ["BranchWriters"]


class BranchWriters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._writers: dict[tuple[str, str], BranchWriter] = {}

    def get(self, config: WriterConfig) -> BranchWriter:
        """The writer for ``config``'s remote and branch, adopting its latest settings."""
        key = (config.url, config.branch)
        with self._lock:
            writer = self._writers.get(key)
            if writer is None:
                writer = self._writers[key] = BranchWriter(config)
                return writer
        if writer.config != config:
            writer.reconfigure(config)
        return writer
