"""workflows/ stays deterministic: it never imports the libraries that do I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"
FORBIDDEN_IN_WORKFLOWS = {
    "kubernetes",
    "pygit2",
    "pyrage",
    "cryptography",
    "prometheus_client",
    "subprocess",
    "socket",
    "requests",
    "urllib",
    "bridge",
    "worker",
}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _workflow_modules() -> list[Path]:
    return sorted(WORKFLOWS.rglob("*.py"))


def test_workflows_package_has_modules_to_check() -> None:
    assert _workflow_modules()


@pytest.mark.parametrize("module", _workflow_modules(), ids=lambda p: str(p.relative_to(WORKFLOWS)))
def test_workflow_module_imports_no_io_library(module: Path) -> None:
    assert _imported_roots(module) & FORBIDDEN_IN_WORKFLOWS == set()
