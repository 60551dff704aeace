"""The reference YAML writer and reader: ruamel, configured to be yamlio's format.

This module *defines* the bytes ``yamlio.dump`` produces (see the package docstring
for the policy); :mod:`activities.yamlio.fast` is held to it byte for byte. Keep it
simple and obviously configured rather than fast.

Pure functions over in-memory text; no file or network I/O.
"""

from __future__ import annotations

import io
import math
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import SafeRepresenter
from ruamel.yaml.resolver import VersionedResolver

__all__ = ["dump", "float_text", "load"]

STR_TAG = "tag:yaml.org,2002:str"
FLOAT_TAG = "tag:yaml.org,2002:float"
RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
# Characters ruamel would otherwise write raw into plain, single-quoted or literal
# scalars, where readers reject them (controls) or read a line break (CR, NEL, LS, PS).
NEEDS_ESCAPE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)
# Never fold long lines: folding is valid YAML but turns one-value edits into noisy diffs.
_NO_WRAP = 1 << 20


def is_ambiguous(value: str) -> bool:
    """True when some YAML version would resolve the plain scalar to a non-string."""
    return any(
        resolver.resolve(ScalarNode, value, (True, False)) != STR_TAG for resolver in RESOLVERS
    )


def float_text(value: float) -> str:
    """A float as both YAML 1.1 and 1.2 readers read it back: Python's shortest repr, with
    ``.0`` put into an exponent's bare mantissa (YAML 1.1 reads ``1e-06`` as a string)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, exponent_mark, exponent = repr(value).lower().partition("e")
    if exponent_mark and "." not in mantissa:
        return f"{mantissa}.0e{exponent}"
    return f"{mantissa}{exponent_mark}{exponent}"


def _represent_float(representer: SafeRepresenter, value: float) -> ScalarNode:
    return representer.represent_scalar(FLOAT_TAG, float_text(value))


def _represent_str(representer: SafeRepresenter, value: str) -> ScalarNode:
    if NEEDS_ESCAPE.search(value):
        return representer.represent_scalar(STR_TAG, value, style='"')
    if "\n" in value:
        return representer.represent_scalar(STR_TAG, value, style="|")
    if is_ambiguous(value):
        return representer.represent_scalar(STR_TAG, value, style='"')
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
    yaml.representer.add_representer(float, _represent_float)
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
