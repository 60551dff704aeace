"""Writing many new blobs as one pack file instead of one loose file each.

A snapshot of thousands of objects would otherwise create thousands of loose
object files, and on many disks file creation, not hashing or compression, is
what costs. This writes a version 2 pack (undeltified, zlib level 1) and its
version 2 index into ``objects/pack``: the formats of git's
``Documentation/gitformat-pack.txt``. Both are written under temporary names
and renamed, pack first, so a reader never sees a partial pack; libgit2
rescans the pack folder when it misses an object.

Knows the pack format only: it chooses no objects and touches no refs.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import pygit2

__all__ = ["write_blob_pack"]

_BLOB_TYPE = 3
_LARGE_OFFSET = 0x7FFFFFFF
_IDX_MAGIC = b"\377tOc"


def write_blob_pack(objects_dir: Path, blobs: Mapping[pygit2.Oid, bytes]) -> Path:
    """Store ``blobs`` (id to content) as one pack in ``objects_dir``; the pack's path."""
    pack, entries = _pack(blobs)
    checksum = pack[-20:]
    folder = objects_dir / "pack"
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / f"pack-{checksum.hex()}"
    _write_atomically(base.with_suffix(".pack"), pack)
    _write_atomically(base.with_suffix(".idx"), _index(entries, checksum))
    return base.with_suffix(".pack")


def _pack(blobs: Mapping[pygit2.Oid, bytes]) -> tuple[bytes, list[tuple[bytes, int, int]]]:
    """Pack bytes and, per object, (raw id, CRC-32 of its packed entry, offset)."""
    body = bytearray(b"PACK" + struct.pack(">II", 2, len(blobs)))
    entries = []
    for oid, content in blobs.items():
        entry = _entry_header(len(content)) + zlib.compress(content, 1)
        entries.append((oid.raw, zlib.crc32(entry), len(body)))
        body += entry
    body += hashlib.sha1(body).digest()  # noqa: S324 - the pack format is SHA-1
    return bytes(body), entries


def _entry_header(size: int) -> bytes:
    """Type and size: 3 type bits and 4 size bits, then 7 size bits per byte, low first."""
    header = bytearray([(_BLOB_TYPE << 4) | (size & 0x0F)])
    size >>= 4
    while size:
        header[-1] |= 0x80
        header.append(size & 0x7F)
        size >>= 7
    return bytes(header)


def _index(entries: list[tuple[bytes, int, int]], pack_checksum: bytes) -> bytes:
    entries = sorted(entries)
    fanout = [0] * 256
    for raw, _, _ in entries:
        fanout[raw[0]] += 1
    for i in range(1, 256):
        fanout[i] += fanout[i - 1]
    small, large = bytearray(), bytearray()
    for _, _, offset in entries:
        if offset > _LARGE_OFFSET:
            small += struct.pack(">I", 0x80000000 | (len(large) // 8))
            large += struct.pack(">Q", offset)
        else:
            small += struct.pack(">I", offset)
    index = bytearray(_IDX_MAGIC + struct.pack(">I", 2) + struct.pack(">256I", *fanout))
    index += b"".join(raw for raw, _, _ in entries)
    index += b"".join(struct.pack(">I", crc) for _, crc, _ in entries)
    index += small + large + pack_checksum
    index += hashlib.sha1(index).digest()  # noqa: S324 - the index format is SHA-1
    return bytes(index)


def _write_atomically(path: Path, content: bytes) -> None:
    descriptor, staging = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.chmod(staging, 0o444)
    os.replace(staging, path)
