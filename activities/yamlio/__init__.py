"""Deterministic YAML for everything we write to Git.

The same data always yields the same bytes, and every YAML reader reads back the
same values: a string is quoted whenever a YAML 1.1 *or* 1.2 resolver would read
its plain form as something else (``"yes"``, ``"0777"``, ``"1e3"``,
``"2024-01-01"``, ``"null"``...), because our readers span both (sops and Flux
use go-yaml, kubectl uses sigs.k8s.io/yaml, Python tools use PyYAML).
Multi-line strings are written as literal blocks so PEM keys and scripts stay
reviewable. Key order is the caller's: this module never sorts.

The format is defined by :mod:`activities.yamlio.reference` (ruamel, configured).
:func:`dump` writes the usual manifest shapes directly (:mod:`activities.yamlio.fast`,
held to the reference byte for byte by property tests) and hands any document holding
another shape to the reference whole.

Pure functions over in-memory text; no file or network I/O.
"""

from __future__ import annotations

from typing import Any

from activities.yamlio import fast, reference

__all__ = ["dump", "load"]


def dump(data: Any) -> str:
    """Serialise ``data`` (dicts, lists, scalars) as one block-style YAML document."""
    try:
        return fast.dump(data)
    except fast.Unproven:
        return reference.dump(data)


def load(text: str) -> Any:
    """Parse one YAML 1.2 document into plain dicts, lists and scalars."""
    return reference.load(text)
