"""One live object to its file: skipped, rendered, or known by its source version."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from activities.manifests import render
from activities.objects import Encryption, Skip, object_file, source_version
from activities.sops import AgeIdentity

TARGET = "clusters/prod"
IDENTITY = AgeIdentity.generate()
ENCRYPTION = Encryption(IDENTITY, (IDENTITY.recipient,), key_secret=("keys", "age"))


def config_map(resource_version: str = "7", uid: str = "u-1") -> dict[str, Any]:
    metadata = {"name": "app", "namespace": "prod", "uid": uid, "resourceVersion": resource_version}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {"a": "b"}}


def secret(resource_version: str = "9") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db",
            "namespace": "prod",
            "uid": "s-1",
            "resourceVersion": resource_version,
        },
        "type": "Opaque",
        "data": {"password": base64.b64encode(b"hunter2hunter2").decode()},
    }


def no_existing(_path: str) -> bytes | None:
    return None


def test_a_new_object_is_rendered_with_its_version() -> None:
    found = object_file(config_map(), "configmaps", TARGET, None, no_existing, known={})

    assert found.content == render(config_map())
    assert found.version == "u-1/7"
    assert found.skip is None


def test_an_object_of_a_known_version_is_not_rendered() -> None:
    path = object_file(config_map(), "configmaps", TARGET, None, no_existing).path

    found = object_file(config_map(), "configmaps", TARGET, None, no_existing, {path: "u-1/7"})

    assert (found.content, found.version, found.skip) == (None, "u-1/7", None)


def test_an_object_with_a_new_resource_version_is_rendered_again() -> None:
    path = object_file(config_map(), "configmaps", TARGET, None, no_existing).path

    found = object_file(config_map("8"), "configmaps", TARGET, None, no_existing, {path: "u-1/7"})

    assert found.content == render(config_map("8"))
    assert found.version == "u-1/8"


def test_a_recreated_object_is_rendered_again() -> None:
    path = object_file(config_map(), "configmaps", TARGET, None, no_existing).path

    found = object_file(
        config_map(uid="u-2"), "configmaps", TARGET, None, no_existing, {path: "u-1/7"}
    )

    assert found.content is not None


def test_an_object_without_uid_or_resource_version_has_no_version() -> None:
    bare = config_map()
    del bare["metadata"]["resourceVersion"]

    found = object_file(bare, "configmaps", TARGET, None, no_existing, known={})

    assert found.content is not None
    assert found.version is None


def test_a_secret_version_names_its_recipients() -> None:
    other = AgeIdentity.generate()
    rotated = Encryption(other, (other.recipient,), key_secret=("keys", "age"))

    assert source_version(secret(), ENCRYPTION) != source_version(secret(), rotated)
    assert source_version(secret(), ENCRYPTION) is not None


def test_a_secret_of_a_known_version_is_not_encrypted_again() -> None:
    first = object_file(secret(), "secrets", TARGET, ENCRYPTION, no_existing, known={})
    assert first.content is not None and first.version is not None

    again = object_file(
        secret(), "secrets", TARGET, ENCRYPTION, no_existing, {first.path: first.version}
    )

    assert again.content is None
    assert again.version == first.version


@pytest.mark.parametrize("known_version", ["s-1/9", None])
def test_a_secret_of_a_target_without_encryption_is_refused_whatever_is_known(
    known_version: str | None,
) -> None:
    path = object_file(secret(), "secrets", TARGET, ENCRYPTION, no_existing).path
    known = {path: known_version} if known_version else {}

    found = object_file(secret(), "secrets", TARGET, None, no_existing, known)

    assert (found.content, found.skip, found.version) == (None, Skip.SECRET_REFUSED, None)
