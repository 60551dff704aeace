"""The Dockerfile, checked without building it (no container engine here): what it runs,
copies, starts from, runs as and exposes is what the package and the chart expect."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
CHART_VALUES = REPO_ROOT / "charts" / "gitops-reverser" / "values.yaml"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    pairs = [line.split(maxsplit=1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1] if len(pair) > 1 else "") for pair in pairs]


def _args(name: str) -> list[str]:
    return [arguments for instruction, arguments in _instructions() if instruction == name]


def _arg_defaults() -> dict[str, str]:
    return dict(arg.split("=", 1) for arg in _args("ARG") if "=" in arg)


def _base_images() -> list[str]:
    """Every FROM image that is not an earlier stage, with ARG defaults substituted."""
    defaults = _arg_defaults()
    stages: set[str] = set()
    images: list[str] = []
    for arguments in _args("FROM"):
        words = arguments.split()
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: defaults.get(m.group(1), m.group(0)), words[0])
        if image not in stages:
            images.append(image)
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])
    return images


def _copy_sources() -> list[str]:
    sources: list[str] = []
    for arguments in _args("COPY"):
        words = arguments.split()
        if any(word.startswith("--from=") for word in words):
            continue
        sources.extend(word for word in words[:-1] if not word.startswith("--"))
    return sources


def _ignored(path: str) -> bool:
    """.dockerignore semantics for a top-level path: the last matching pattern decides."""
    ignored = False
    for raw in DOCKERIGNORE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path.rstrip("/"), pattern):
            ignored = not negated
    return ignored


def test_the_entrypoint_is_a_script_the_package_installs() -> None:
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]

    assert _args("ENTRYPOINT") == ['["gitops-reverser"]']
    assert "gitops-reverser" in scripts


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    sources = _copy_sources()

    assert sources, "the Dockerfile copies nothing"
    assert [s for s in sources if not (REPO_ROOT / s).exists()] == []
    assert [s for s in sources if _ignored(s)] == []


def test_the_dockerignore_keeps_the_virtualenv_git_and_tests_out() -> None:
    assert [path for path in (".venv", ".git", "tests", "bench") if not _ignored(path)] == []


def test_every_base_image_is_pinned_by_digest_or_exact_version() -> None:
    exact = re.compile(r"^[\w./-]+(:\d+\.\d+\.\d+[\w.-]*)?(@sha256:[0-9a-f]{64})?$")
    images = _base_images()

    assert images
    assert [i for i in images if not exact.match(i) or ("@sha256:" not in i and ":" not in i)] == []


def test_the_image_runs_as_a_non_root_user() -> None:
    user = _args("USER")[-1].split(":")[0]

    assert user.isdigit() and int(user) != 0


def test_the_metrics_ports_the_chart_uses_are_exposed() -> None:
    values = yaml.safe_load(CHART_VALUES.read_text())
    exposed = {int(port.split("/")[0]) for ports in _args("EXPOSE") for port in ports.split()}

    assert {values["worker"]["metricsPort"], values["bridge"]["metricsPort"]} <= exposed
