"""The chart's README documents every value in values.yaml, and nothing that is not one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

CHART = Path(__file__).resolve().parents[3] / "charts" / "gitops-reverser"
WHOLE = {"resources"}  # documented as one value, not key by key


def _leaves(values: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in WHOLE:
            yield from _leaves(value, f"{path}.")
        else:
            yield path


def _documented() -> set[str]:
    rows = re.findall(r"^\| `([\w.]+)` \|", (CHART / "README.md").read_text(), re.MULTILINE)
    return set(rows)


def test_every_value_has_a_row_in_the_chart_readme() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    assert set(_leaves(values)) - _documented() == set()


def test_every_documented_value_exists() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    assert _documented() - set(_leaves(values)) == set()
