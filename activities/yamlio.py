"""Deterministic YAML for everything we write to Git.

The same data always yields the same bytes, and every YAML reader reads back the
same values: a string is quoted whenever a YAML 1.1 *or* 1.2 resolver would read
its plain form as something else (``"yes"``, ``"0777"``, ``"1e3"``,
``"2024-01-01"``, ``"null"``...), because our readers span both (sops and Flux
use go-yaml, kubectl uses sigs.k8s.io/yaml, Python tools use PyYAML).
Multi-line strings are written as literal blocks so PEM keys and scripts stay
reviewable. Key order is the caller's: this module never sorts.

Pure functions over in-memory text; no file or network I/O.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import SafeRepresenter
from ruamel.yaml.resolver import VersionedResolver

__all__ = ["dump", "load"]

_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
# Characters ruamel would otherwise write raw into plain, single-quoted or literal
# scalars, where readers reject them (controls) or read a line break (CR, NEL, LS, PS).
_NEEDS_ESCAPE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)
# Never fold long lines: folding is valid YAML but turns one-value edits into noisy diffs.
_NO_WRAP = 1 << 20


def _is_ambiguous(value: str) -> bool:
    """True when some YAML version would resolve the plain scalar to a non-string."""
    return any(
        resolver.resolve(ScalarNode, value, (True, False)) != _STR_TAG for resolver in _RESOLVERS
    )


def _represent_str(representer: SafeRepresenter, value: str) -> ScalarNode:
    if _NEEDS_ESCAPE.search(value):
        return representer.represent_scalar(_STR_TAG, value, style='"')
    if "\n" in value:
        return representer.represent_scalar(_STR_TAG, value, style="|")
    if _is_ambiguous(value):
        return representer.represent_scalar(_STR_TAG, value, style='"')
    node: ScalarNode = representer.represent_str(value)
    return node


def _writer() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.allow_unicode = True
    yaml.width = _NO_WRAP
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # typed None
    yaml.representer.add_representer(str, _represent_str)
    return yaml


def _reader() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    return yaml


def dump(data: Any) -> str:
    """Serialise ``data`` (dicts, lists, scalars) as one block-style YAML document."""
    stream = io.StringIO()
    _writer().dump(data, stream)
    return stream.getvalue()


def load(text: str) -> Any:
    """Parse one YAML 1.2 document into plain dicts, lists and scalars."""
    return _reader().load(text)
