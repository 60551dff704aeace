"""Render the chart with helm and read what came out; no cluster involved.

``render`` returns the manifest text (or raises ``RenderError`` with helm's message), and
``documents`` the objects in it, so tests can assert on shapes or hand the text to
``kubectl apply``.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["CHART", "REPO_ROOT", "Chart", "RenderError", "documents"]

REPO_ROOT = Path(__file__).resolve().parents[3]
CHART = REPO_ROOT / "charts" / "gitops-reverser"


class RenderError(Exception):
    """helm refused the values or the templates; ``str()`` is helm's own message."""


@dataclass(frozen=True)
class Chart:
    helm: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.helm), *args], capture_output=True, text=True, check=False, timeout=60
        )

    def render(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        release: str = "gitops-reverser",
        namespace: str = "gitops-reverser-system",
        include_crds: bool = False,
    ) -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".json") as file:
            json.dump(values or {}, file)
            file.flush()
            args = ["template", release, str(CHART), "--namespace", namespace, "-f", file.name]
            done = self.run(*args, *(["--include-crds"] if include_crds else []))
        if done.returncode != 0:
            raise RenderError(done.stderr.strip())
        return done.stdout


def documents(manifest: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(manifest) if doc]
