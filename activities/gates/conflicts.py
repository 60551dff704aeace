"""Two GitTargets must never write the same folder: the older one keeps it.

Targets conflict when they write the same remote (URLs compared without credentials,
case of the host, a trailing ``.git`` or ``/``) and branch, and one's path is the
other's or inside it. The older target (creation time, then namespace and name, so
both sides agree) keeps the folder; the newer one is ``TargetConflict``. A target
being deleted no longer holds anything. The same repository spelled over another
transport (https vs ssh) is not recognised: that is documented.

Pure decisions; the caller lists the targets and resolves their providers' URLs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from activities.git.credentials import redact_url
from activities.manifests import InvalidObject, normalise_target_path
from workflows.api import GitTarget

__all__ = ["may_conflict", "older_conflicting_target", "paths_overlap", "same_remote"]

_EPOCH = datetime.min


def paths_overlap(first: str, second: str) -> bool:
    """True when one folder is the other or lies inside it (the root holds everything)."""
    a, b = normalise_target_path(first), normalise_target_path(second)
    return not a or not b or a == b or a.startswith(f"{b}/") or b.startswith(f"{a}/")


def may_conflict(target: GitTarget) -> Callable[[dict[str, Any]], bool]:
    """A cheap test on a raw GitTarget object: same branch and an overlapping path.

    Lets the caller skip parsing the many targets that cannot conflict with ``target``.
    """

    def test(obj: dict[str, Any]) -> bool:
        spec = obj.get("spec") or {}
        path = spec.get("path")
        return (
            spec.get("branch", "main") == target.spec.branch
            and isinstance(path, str)
            and _overlaps_safely(path, target.spec.path)
        )

    return test


def _overlaps_safely(first: str, second: str) -> bool:
    try:
        return paths_overlap(first, second)
    except InvalidObject:
        return False


def same_remote(first: str, second: str) -> bool:
    return _canonical(first) == _canonical(second)


def older_conflicting_target(
    target: GitTarget,
    url: str,
    others: Iterable[GitTarget],
    url_of: Callable[[GitTarget], str | None],
) -> GitTarget | None:
    """The oldest other target that writes ``target``'s folder, if it is older than ``target``."""
    rivals = [
        other
        for other in others
        if _rival(target, other) and (other_url := url_of(other)) and same_remote(url, other_url)
    ]
    older = [other for other in rivals if _age_key(other) < _age_key(target)]
    return min(older, key=_age_key) if older else None


def _rival(target: GitTarget, other: GitTarget) -> bool:
    """A live other target on the same branch with an overlapping path (URLs aside)."""
    same = (other.metadata.namespace, other.metadata.name) == (
        target.metadata.namespace,
        target.metadata.name,
    )
    return (
        not same
        and other.metadata.deletion_timestamp is None
        and other.spec.branch == target.spec.branch
        and paths_overlap(other.spec.path, target.spec.path)
    )


def _age_key(target: GitTarget) -> tuple[datetime, str, str]:
    created = target.metadata.creation_timestamp
    return (
        created.replace(tzinfo=None) if created else _EPOCH,
        target.metadata.namespace or "",
        target.metadata.name,
    )


def _canonical(url: str) -> str:
    url = redact_url(url).rstrip("/")
    url = url.removesuffix(".git")
    if "://" in url:
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path}"
    host, sep, path = url.partition(":")
    return f"{host.lower()}{sep}{path}"
