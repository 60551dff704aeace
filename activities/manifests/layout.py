"""Where an object lives in the repository, and which object a path holds.

``<target>/<namespace or _cluster>/<group or core>/<resource>/<name>.yaml``;
core Secrets end in ``.sops.yaml`` because only encrypted Secrets are ever
written. Every segment is encoded so that any Kubernetes name is a safe,
portable file name (no upper case for case-insensitive checkouts, no leading
dot, no separators) and decodes back to exactly the same name.

Pure string mapping: no file system access, no knowledge of file contents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from activities.manifests.errors import InvalidObject
from activities.manifests.sanitise import api_group

__all__ = [
    "BOOTSTRAP_FILES",
    "CLUSTER_SCOPE_DIR",
    "CORE_GROUP_DIR",
    "ObjectId",
    "decode_segment",
    "encode_segment",
    "is_secret_path",
    "normalise_target_path",
    "object_id_for_path",
    "object_path",
]

CLUSTER_SCOPE_DIR = "_cluster"
CORE_GROUP_DIR = "core"
# Written once by bootstrap at the target path's root; never objects, never pruned.
BOOTSTRAP_FILES = (".sops.yaml", "README.md")

_YAML = ".yaml"
_SOPS_YAML = ".sops.yaml"
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")
_ENCODED = re.compile(r"(?:[a-z0-9.-]|%[0-9A-F]{2})+")


@dataclass(frozen=True, order=True)
class ObjectId:
    """What names one object: group (``""`` = core), plural resource, namespace, name."""

    group: str
    resource: str
    namespace: str | None
    name: str

    def __post_init__(self) -> None:
        if self.group == CORE_GROUP_DIR:
            raise InvalidObject("API group 'core' is reserved for the core group ('')")
        for label, value in (("resource", self.resource), ("name", self.name)):
            if not value or value in {".", ".."} or "/" in value:
                raise InvalidObject(f"{label} {value!r} is not a valid Kubernetes name")
        if self.namespace is not None and (not self.namespace or "/" in self.namespace):
            raise InvalidObject(f"namespace {self.namespace!r} is not a valid namespace")

    @classmethod
    def of(cls, obj: dict[str, Any], resource: str) -> ObjectId:
        """The identity of a manifest served as ``resource`` (the plural, e.g. ``configmaps``)."""
        metadata = obj.get("metadata") or {}
        return cls(
            group=api_group(str(obj.get("apiVersion", ""))),
            resource=resource,
            namespace=metadata.get("namespace") or None,
            name=str(metadata.get("name", "")),
        )

    @property
    def is_secret(self) -> bool:
        return self.group == "" and self.resource == "secrets"


def encode_segment(value: str) -> str:
    """Percent-encode (UTF-8, upper-case hex) every character that is not safe in a file name."""
    encoded = "".join(
        char if char in _SAFE else "".join(f"%{byte:02X}" for byte in char.encode())
        for char in value
    )
    return "%2E" + encoded[1:] if encoded.startswith(".") else encoded


def decode_segment(segment: str) -> str:
    """Inverse of :func:`encode_segment`; ``ValueError`` for text it cannot have produced."""
    if not _ENCODED.fullmatch(segment) or segment.startswith("."):
        raise ValueError(f"{segment!r} is not an encoded path segment")
    decoded = unquote(segment, errors="strict")
    if encode_segment(decoded) != segment:
        raise ValueError(f"{segment!r} is not in canonical encoding")
    return decoded


def normalise_target_path(path: str) -> str:
    """A GitTarget path as a repository-relative folder, ``""`` for the root.

    Refuses what could escape or corrupt the repository: absolute paths, ``..``,
    ``.git`` and backslashes.
    """
    if path.startswith("/") or "\\" in path:
        raise InvalidObject(f"target path {path!r} must be relative and use '/'")
    parts = [part for part in path.split("/") if part not in {"", "."}]
    for part in parts:
        if part == ".." or part.lower() == ".git":
            raise InvalidObject(f"target path {path!r} must not contain {part!r}")
    return "/".join(parts)


def object_path(target_path: str, object_id: ObjectId) -> str:
    """The repository path of the file that holds ``object_id`` under ``target_path``."""
    suffix = _SOPS_YAML if object_id.is_secret else _YAML
    segments = [
        CLUSTER_SCOPE_DIR if object_id.namespace is None else encode_segment(object_id.namespace),
        encode_segment(object_id.group) if object_id.group else CORE_GROUP_DIR,
        encode_segment(object_id.resource),
        encode_segment(object_id.name) + suffix,
    ]
    root = normalise_target_path(target_path)
    return "/".join([root, *segments] if root else segments)


def object_id_for_path(target_path: str, path: str) -> ObjectId | None:
    """The object whose file is ``path``, or ``None`` when ``path`` is not an object file."""
    root = normalise_target_path(target_path)
    prefix = f"{root}/" if root else ""
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].split("/")
    if len(parts) != 4:
        return None
    try:
        return _parse(parts)
    except (ValueError, InvalidObject):
        return None


def is_secret_path(path: str) -> bool:
    """True for a path in a core ``secrets`` folder of the layout, under any target path."""
    parts = path.split("/")
    return len(parts) >= 4 and parts[-3] == CORE_GROUP_DIR and parts[-2] == "secrets"


def _parse(parts: list[str]) -> ObjectId:
    namespace_dir, group_dir, resource_dir, file_name = parts
    group = "" if group_dir == CORE_GROUP_DIR else decode_segment(group_dir)
    resource = decode_segment(resource_dir)
    suffix = _SOPS_YAML if group == "" and resource == "secrets" else _YAML
    if not file_name.endswith(suffix):
        raise ValueError(f"{file_name!r} does not end in {suffix}")
    return ObjectId(
        group=group,
        resource=resource,
        namespace=None if namespace_dir == CLUSTER_SCOPE_DIR else decode_segment(namespace_dir),
        name=decode_segment(file_name[: -len(suffix)]),
    )
