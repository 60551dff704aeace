"""What a branch writer remembers of the files its snapshots wrote: source version to blob.

A source version is an opaque token the caller derives from what a file's bytes are
made of (for a Kubernetes object: its uid and resourceVersion, and for a Secret the
recipients). The same token at the same path always means the same bytes, so a
snapshot may name a file by its version alone and skip building its bytes, when the
writer still holds the blob an earlier snapshot wrote for that version.

The memory is per target folder and holds only the last snapshot's files, so it never
grows beyond what the targets mirror. It says nothing about what the branch holds now
(someone may have edited those files since): only which bytes a version stands for.
It lives as long as the writer's object store, and losing it only costs rendering.

In-memory bookkeeping only; no git, no I/O.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

__all__ = ["SourceVersions"]


class SourceVersions:
    """Per target folder: path to (source version, blob id) of its last snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._targets: dict[str, dict[str, tuple[str, str]]] = {}

    def known(self, target: str) -> dict[str, str]:
        """Path to source version of every file the last snapshot of ``target`` wrote."""
        with self._lock:
            files = self._targets.get(target, {})
            return {path: version for path, (version, _blob) in files.items()}

    def blob(self, target: str, path: str, version: str) -> str | None:
        """The blob id ``version`` of ``path`` stands for; ``None`` when not remembered."""
        with self._lock:
            remembered = self._targets.get(target, {}).get(path)
        if remembered is None or remembered[0] != version:
            return None
        return remembered[1]

    def replace(self, target: str, files: Mapping[str, tuple[str, str]]) -> None:
        """Remember ``files`` (path to version and blob id) as ``target``'s last snapshot."""
        with self._lock:
            self._targets[target] = dict(files)
