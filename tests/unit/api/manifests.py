"""Load the CRDs and samples from ``crds/`` for the unit tests (files only, no cluster)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

CRDS = Path(__file__).resolve().parents[3] / "crds"

JSON = dict[str, Any]


def load_documents(path: Path) -> list[JSON]:
    with path.open() as stream:
        return [doc for doc in YAML(typ="safe").load_all(stream) if doc is not None]


def crds() -> dict[str, JSON]:
    """Every CRD in crds/bases, by kind."""
    found: dict[str, JSON] = {}
    for path in sorted((CRDS / "bases").glob("*.yaml")):
        for doc in load_documents(path):
            found[doc["spec"]["names"]["kind"]] = doc
    return found


def version_of(crd: JSON) -> JSON:
    (version,) = crd["spec"]["versions"]
    result: JSON = version
    return result


def openapi_schema(kind: str) -> JSON:
    schema: JSON = version_of(crds()[kind])["schema"]["openAPIV3Schema"]
    return schema


def samples() -> list[tuple[str, JSON]]:
    """Every sample document, with the file it came from."""
    return [
        (path.name, doc)
        for path in sorted((CRDS / "samples").glob("*.yaml"))
        for doc in load_documents(path)
    ]
