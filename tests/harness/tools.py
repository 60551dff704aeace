"""Where the real binaries live: the project's tool cache first, then the system PATH.

``hack/install-tools.sh`` fills the cache; this module only finds what it installed and
says what to run when something is missing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Tools", "cache_dir"]

_CACHED = ("etcd", "kube-apiserver", "kubectl", "temporal", "sops", "helm")
_SYSTEM = ("age", "age-keygen", "git", "sshd", "ssh-keygen", "haproxy")


def cache_dir() -> Path:
    """$GITOPS_REVERSER_CACHE, else gitops-reverser/ under $XDG_CACHE_HOME or ~/.cache."""
    override = os.environ.get("GITOPS_REVERSER_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitops-reverser"


@dataclass(frozen=True)
class Tools:
    bin_dir: Path

    @classmethod
    def discover(cls) -> Tools:
        tools = cls(cache_dir() / "bin")
        missing = [name for name in (*_CACHED, *_SYSTEM) if tools.find(name) is None]
        if missing:
            raise FileNotFoundError(
                f"missing tools: {', '.join(missing)}; run hack/install-tools.sh "
                "(or the README's test command, which runs it)"
            )
        return tools

    def find(self, name: str) -> Path | None:
        cached = self.bin_dir / name
        if name in _CACHED:
            return cached if cached.is_file() else None
        found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
        return Path(found) if found else None

    def bin(self, name: str) -> Path:
        path = self.find(name)
        if path is None:
            raise FileNotFoundError(f"{name} is not installed; run hack/install-tools.sh")
        return path
