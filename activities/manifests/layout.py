"""Where an object lives in the repository, and which object a path holds.

``<target>/<namespace or _cluster>/<group or core>/<resource>/<name>.yaml``;
core Secrets end in ``.sops.yaml`` because only encrypted Secrets are ever
written. Every segment is encoded so that any Kubernetes name is a safe,
portable file name (no upper case for case-insensitive checkouts, no leading
dot, no separators) and decodes back to exactly the same name.

File names stay within 240 bytes (file systems allow 255; the rest is room for
the ``.lock`` and temporary names tools put next to a file). A longer one (a
253-character Secret name, or a name whose characters all need escaping) becomes
a readable prefix of its encoding, ``~`` (which encoding never produces) and 32
hex digits of the SHA-256 of the full name. Such a path no longer holds the name:
``object_id_for_path`` returns ``None`` for it (the name is in the file's
``metadata.name``), while ``is_object_file`` and ``object_folders_for_path`` still
know it as an object file of the layout, so snapshots prune it like any other.

Pure string mapping: no file system access, no knowledge of file contents.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
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
    "is_git_dir_alias",
    "is_object_file",
    "is_secret_path",
    "normalise_target_path",
    "object_folders_for_path",
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
_MAX_FILE_NAME = 240
_DIGEST_HEX = 32
# Code points HFS+ ignores in file names: git and libgit2 skip them when they look for ".git".
_HFS_IGNORED = frozenset(
    chr(code)
    for code in (*range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF)
)
# ".git" and its NTFS short name, then what NTFS drops (trailing dots and spaces) or
# reads as a stream of the folder (":"); backslash is a separator there.
_GIT_DIR_ALIAS = re.compile(
    r"(?:\.git|git~1)(?:[. ]*|[:\\].*)", re.IGNORECASE | re.ASCII | re.DOTALL
)
_SHORTENED = re.compile(
    rf"(?:[a-z0-9-]|%[0-9A-F]{{2}})(?:[a-z0-9.-]|%[0-9A-F]{{2}})*~[0-9a-f]{{{_DIGEST_HEX}}}"
)


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
    def of(cls, obj: Mapping[str, Any], resource: str) -> ObjectId:
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
    if _SAFE.issuperset(value):
        encoded = value
    else:
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


def is_git_dir_alias(segment: str) -> bool:
    """True when a path segment names the ``.git`` folder on some file system.

    The rules libgit2 applies to every index and tree path (its NTFS and HFS+
    protection): ``.git`` in any case, the short name ``GIT~1``, either followed
    by dots and spaces (``.git.``, ``GIT~1 ``) or by ``:`` (a stream of the
    folder), and any of them with HFS+-ignored code points in between.
    """
    folded = (
        segment
        if _HFS_IGNORED.isdisjoint(segment)
        else "".join(char for char in segment if char not in _HFS_IGNORED)
    )
    return _GIT_DIR_ALIAS.fullmatch(folded) is not None


@lru_cache(maxsize=256)
def normalise_target_path(path: str) -> str:
    """A GitTarget path as a repository-relative folder, ``""`` for the root.

    Refuses what could escape or corrupt the repository: absolute paths, ``..``,
    ``.git`` (and every other name of it, see :func:`is_git_dir_alias`) and
    backslashes.
    """
    if path.startswith("/") or "\\" in path:
        raise InvalidObject(f"target path {path!r} must be relative and use '/'")
    parts = [part for part in path.split("/") if part not in {"", "."}]
    for part in parts:
        if part == ".." or is_git_dir_alias(part):
            raise InvalidObject(f"target path {path!r} must not contain {part!r}")
    return "/".join(parts)


def object_path(target_path: str, object_id: ObjectId) -> str:
    """The repository path of the file that holds ``object_id`` under ``target_path``."""
    suffix = _SOPS_YAML if object_id.is_secret else _YAML
    segments = [
        CLUSTER_SCOPE_DIR if object_id.namespace is None else encode_segment(object_id.namespace),
        encode_segment(object_id.group) if object_id.group else CORE_GROUP_DIR,
        encode_segment(object_id.resource),
        _file_name(object_id.name, suffix),
    ]
    root = normalise_target_path(target_path)
    return "/".join([root, *segments] if root else segments)


def object_id_for_path(target_path: str, path: str) -> ObjectId | None:
    """The object whose file is ``path``; ``None`` when ``path`` is not an object file
    or its file name was shortened (see the module docstring)."""
    parts = _layout_parts(target_path, path)
    if parts is None:
        return None
    try:
        return _parse(parts)
    except (ValueError, InvalidObject):
        return None


def is_object_file(target_path: str, path: str) -> bool:
    """True when ``path`` is where the layout puts some object under ``target_path``."""
    return object_folders_for_path(target_path, path) is not None


def object_folders_for_path(target_path: str, path: str) -> tuple[str | None, str, str] | None:
    """Namespace (``None``: cluster-scoped), group (``""``: core) and plural resource of
    the object file ``path``; ``None`` when it is not an object file under ``target_path``.

    Answers for shortened file names too, whose object the path cannot name: a
    snapshot that prunes only where it listed must still know where such a file is.
    """
    parts = _layout_parts(target_path, path)
    if parts is None:
        return None
    try:
        found = _parse(parts)
        return found.namespace, found.group, found.resource
    except (ValueError, InvalidObject):
        pass
    try:
        namespace, group, resource = _parse_folders(parts[:3])
        stem = _stem(group, resource, parts[3])
    except (ValueError, InvalidObject):
        return None
    return (namespace, group, resource) if _SHORTENED.fullmatch(stem) is not None else None


def is_secret_path(path: str) -> bool:
    """True for a path in a core ``secrets`` folder of the layout, under any target path."""
    parts = path.split("/")
    return len(parts) >= 4 and parts[-3] == CORE_GROUP_DIR and parts[-2] == "secrets"


def _file_name(name: str, suffix: str) -> str:
    encoded = encode_segment(name)
    if len(encoded) + len(suffix) <= _MAX_FILE_NAME:
        return encoded + suffix
    digest = hashlib.sha256(name.encode()).hexdigest()[:_DIGEST_HEX]
    keep = _MAX_FILE_NAME - len(suffix) - len(digest) - 1
    # Never cut an escape in half: the prefix stays valid encoded text.
    escape = encoded.rfind("%", keep - 2, keep)
    prefix = encoded[: escape if escape != -1 else keep]
    return f"{prefix}~{digest}{suffix}"


def _layout_parts(target_path: str, path: str) -> list[str] | None:
    root = normalise_target_path(target_path)
    prefix = f"{root}/" if root else ""
    if not path.startswith(prefix):
        return None
    parts = path[len(prefix) :].split("/")
    return parts if len(parts) == 4 else None


def _parse_folders(folders: list[str]) -> tuple[str | None, str, str]:
    return _decode_folders(*folders)


@lru_cache(maxsize=4096)
def _decode_folders(
    namespace_dir: str, group_dir: str, resource_dir: str
) -> tuple[str | None, str, str]:
    """Namespace, group and resource of an object's folders; few, and met once per file."""
    namespace = None if namespace_dir == CLUSTER_SCOPE_DIR else decode_segment(namespace_dir)
    group = "" if group_dir == CORE_GROUP_DIR else decode_segment(group_dir)
    return namespace, group, decode_segment(resource_dir)


def _stem(group: str, resource: str, file_name: str) -> str:
    suffix = _SOPS_YAML if group == "" and resource == "secrets" else _YAML
    if not file_name.endswith(suffix) or len(file_name) > _MAX_FILE_NAME:
        raise ValueError(f"{file_name!r} is not a file name of the layout")
    return file_name[: -len(suffix)]


def _parse(parts: list[str]) -> ObjectId:
    namespace, group, resource = _parse_folders(parts[:3])
    name = decode_segment(_stem(group, resource, parts[3]))
    return ObjectId(group=group, resource=resource, namespace=namespace, name=name)
