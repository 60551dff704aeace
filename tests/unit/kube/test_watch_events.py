"""Reading the lines of a watch response (the framing the API server sends)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from activities.kube import ClusterError, WatchExpired, parse_watch_line


def _line(kind: str, obj: Mapping[str, object]) -> bytes:
    return json.dumps({"type": kind, "object": obj}).encode()


def test_an_event_carries_its_type_object_and_resource_version() -> None:
    obj = {"metadata": {"name": "a", "resourceVersion": "42"}}
    event = parse_watch_line(_line("MODIFIED", obj))
    assert event is not None
    assert (event.type, event.resource_version, event.object) == ("MODIFIED", "42", obj)


def test_an_error_with_code_410_means_the_history_expired() -> None:
    status = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}
    with pytest.raises(WatchExpired):
        parse_watch_line(_line("ERROR", status))


def test_another_error_is_a_cluster_error_with_its_code() -> None:
    with pytest.raises(ClusterError) as failed:
        parse_watch_line(_line("ERROR", {"kind": "Status", "code": 500, "reason": "InternalError"}))
    assert failed.value.status == 500


def test_an_unknown_event_type_is_ignored() -> None:
    assert parse_watch_line(_line("SOMETHING_NEW", {})) is None
