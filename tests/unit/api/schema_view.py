"""Reduce a CRD schema and a pydantic model to the same comparable shape.

The view keeps what both must agree on: property names, types, required fields,
defaults (with nested defaults applied, as the API server does), enums, formats of
timestamps, and numeric, length and item bounds. It drops what only one side can
express: descriptions, CEL rules and list-type markers (CRD), titles and $refs (model).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

JSON = dict[str, Any]

_CRD_ONLY = {"description", "nullable"}
_MODEL_ONLY = {"title", "description", "additionalProperties"}
_INTEGER_FORMATS = {"int32", "int64"}


def crd_view(node: JSON) -> JSON:
    view: JSON = {}
    for key, value in node.items():
        if key in _CRD_ONLY or key.startswith("x-kubernetes-"):
            continue
        if key == "format" and value in _INTEGER_FORMATS:
            continue
        view[key] = _normalised(key, value, crd_view)
    if "default" in view:
        view["default"] = _with_defaults(view["default"], view)
    return view


def model_view(model: type[BaseModel]) -> JSON:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return _model_node(schema, schema.get("$defs", {}))


def _model_node(node: JSON, defs: JSON) -> JSON:
    node = _resolved(node, defs)
    if "anyOf" in node:
        node = _collapsed_union(node, defs)
    view: JSON = {}
    for key, value in node.items():
        if key in _MODEL_ONLY or key == "$defs" or (key == "default" and value is None):
            continue
        if key == "const":
            view["enum"] = [value]
            continue
        view[key] = _normalised(key, value, lambda child: _model_node(child, defs))
    return view


def _resolved(node: JSON, defs: JSON) -> JSON:
    if "$ref" not in node:
        return node
    target = defs[node["$ref"].rsplit("/", 1)[-1]]
    rest = {key: value for key, value in node.items() if key != "$ref"}
    return _resolved({**target, **rest}, defs)


def _collapsed_union(node: JSON, defs: JSON) -> JSON:
    """Optional[X] becomes X; a union of string enums becomes one enum."""
    options = [_resolved(option, defs) for option in node["anyOf"] if option != {"type": "null"}]
    rest = {key: value for key, value in node.items() if key != "anyOf"}
    if len(options) == 1:
        return {**options[0], **rest}
    values = [value for option in options for value in option["enum"]]
    return {**rest, "type": "string", "enum": values}


def _normalised(key: str, value: Any, child_view: Any) -> Any:
    if key == "properties":
        return {name: child_view(child) for name, child in value.items()}
    if key == "items":
        return child_view(value)
    if key in ("enum", "required"):
        return sorted(value)
    return value


def _with_defaults(value: Any, schema: JSON) -> Any:
    """Fill nested defaults into an object default, the way the API server defaults."""
    if not isinstance(value, dict) or "properties" not in schema:
        return value
    filled = dict(value)
    for name, child in schema["properties"].items():
        if name in filled:
            filled[name] = _with_defaults(filled[name], child)
        elif "default" in child:
            filled[name] = _with_defaults(child["default"], child)
    return filled
