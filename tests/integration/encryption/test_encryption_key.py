"""generateWhenMissing against a real API server: validate, create once, never overwrite."""

from __future__ import annotations

import base64
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, cast

import pytest
from kubernetes import client
from prometheus_client import REGISTRY

from activities.encryption_key import (
    BACKUP_WARNING_ANNOTATION,
    FLUX_IDENTITY_KEY,
    GENERATED_FOR_ANNOTATION,
    KEY_BACKUP_REMINDER_EVENT_REASON,
    RECIPIENT_ANNOTATION,
    SOPS_AGE_KEY,
    EncryptionKey,
    EncryptionKeyRequest,
    EncryptionSecretCreateFailed,
    EncryptionSecretForbidden,
    EncryptionSecretInvalid,
    EncryptionSecretMissing,
    ensure_encryption_key,
    load_identity,
    remind_backup,
)
from activities.kube import Cluster
from activities.sops import AgeIdentity, encrypt_document, recipients_hash
from tests.harness.kube import ControlPlane
from tests.integration.encryption.binaries import Binaries
from tests.unit.sops.key_leaks import LeakWatch
from workflows.api.conditions import EncryptionReason

SECRET_NAME = "sops-age"


def request(
    namespace: str, *, generate: bool, secret_name: str = SECRET_NAME
) -> EncryptionKeyRequest:
    return EncryptionKeyRequest(
        target_namespace=namespace,
        target_name="apps",
        secret_name=secret_name,
        generate_when_missing=generate,
    )


def read_secret(k8s: client.ApiClient, namespace: str) -> client.V1Secret:
    return client.CoreV1Api(k8s).read_namespaced_secret(SECRET_NAME, namespace)


def version(secret: client.V1Secret) -> str | None:
    assert secret.metadata is not None
    return secret.metadata.resource_version


def decoded(secret: client.V1Secret, key: str) -> str:
    return base64.b64decode((secret.data or {})[key]).decode()


def counter(name: str) -> float:
    return REGISTRY.get_sample_value(f"gitops_reverser_{name}_total") or 0.0


def create_secret(k8s: client.ApiClient, namespace: str, data: dict[str, str]) -> client.V1Secret:
    return client.CoreV1Api(k8s).create_namespaced_secret(
        namespace,
        client.V1Secret(
            metadata=client.V1ObjectMeta(name=SECRET_NAME),
            string_data=data,
        ),
    )


def events(k8s: client.ApiClient, namespace: str) -> list[client.CoreV1Event]:
    return list(client.CoreV1Api(k8s).list_namespaced_event(namespace).items)


def test_a_missing_secret_is_generated_as_an_opaque_age_key_secret(
    k8s: client.ApiClient, namespace: str
) -> None:
    key = ensure_encryption_key(Cluster(k8s), request(namespace, generate=True))
    secret = read_secret(k8s, namespace)
    assert secret.type == "Opaque"
    identity = AgeIdentity.parse(decoded(secret, SOPS_AGE_KEY))
    assert decoded(secret, FLUX_IDENTITY_KEY) == decoded(secret, SOPS_AGE_KEY)
    assert secret.metadata is not None
    assert secret.metadata.annotations == {
        RECIPIENT_ANNOTATION: identity.recipient,
        BACKUP_WARNING_ANNOTATION: "REMOVE_AFTER_BACKUP",
        GENERATED_FOR_ANNOTATION: f"{namespace}/apps",
    }
    assert key == EncryptionKey(
        secret_name=SECRET_NAME,
        recipient=identity.recipient,
        recipients_hash=recipients_hash([identity.recipient]),
        generated=True,
        created=True,
        resource_version=version(secret) or "",
    )


def test_generation_is_counted_logged_and_announced_once_without_the_key(
    k8s: client.ApiClient, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = counter("keys_generated")
    caplog.set_level(logging.INFO, logger="activities.encryption_key")
    key = ensure_encryption_key(Cluster(k8s), request(namespace, generate=True))
    assert counter("keys_generated") == before + 1
    [line] = [r for r in caplog.records if r.name == "activities.encryption_key"]
    assert f"{namespace}/apps" in line.getMessage()
    assert f"{namespace}/{SECRET_NAME}" in line.getMessage()
    [event] = events(k8s, namespace)
    assert (event.type, event.reason) == ("Warning", "EncryptionKeyGenerated")
    assert event.involved_object.kind == "GitTarget"
    assert key.recipient in (event.message or "")
    assert "cannot be decrypted" in (event.message or "")


def test_a_generated_secret_is_kept_not_rotated_on_later_calls(
    k8s: client.ApiClient, namespace: str
) -> None:
    cluster = Cluster(k8s)
    first = ensure_encryption_key(cluster, request(namespace, generate=True))
    before = version(read_secret(k8s, namespace))
    again = ensure_encryption_key(cluster, request(namespace, generate=True))
    assert (again.recipient, again.created) == (first.recipient, False)
    assert version(read_secret(k8s, namespace)) == before


def test_an_existing_key_file_secret_is_validated_and_its_recipient_returned(
    k8s: client.ApiClient, namespace: str, binaries: Binaries
) -> None:
    key_file = binaries.age_keygen()
    expected = AgeIdentity.parse(key_file.read_text()).recipient
    created = create_secret(k8s, namespace, {SOPS_AGE_KEY: key_file.read_text()})
    key = ensure_encryption_key(Cluster(k8s), request(namespace, generate=True))
    assert (key.recipient, key.generated) == (expected, False)
    after = read_secret(k8s, namespace)
    assert version(after) == version(created)


def test_a_missing_secret_without_generate_when_missing_is_reported_missing(
    k8s: client.ApiClient, namespace: str, leaks: LeakWatch
) -> None:
    with leaks.raises(EncryptionSecretMissing) as caught:
        ensure_encryption_key(Cluster(k8s), request(namespace, generate=False))
    assert caught.value.reason == EncryptionReason.ENCRYPTION_SECRET_MISSING
    assert SECRET_NAME in str(caught.value)
    assert client.CoreV1Api(k8s).list_namespaced_secret(namespace).items == []


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"other": "x"}, f"has no data.{SOPS_AGE_KEY}"),
        ({SOPS_AGE_KEY: "{0}\n{1}\n"}, "holds 2 identities"),
        ({SOPS_AGE_KEY: "# a comment only\n"}, "holds no age identity"),
        ({SOPS_AGE_KEY: "{0}\nstray text\n"}, "line 2 is neither a comment nor an age identity"),
        ({SOPS_AGE_KEY: "{0}X"}, "not a valid age X25519 key"),
    ],
)
def test_an_invalid_secret_is_reported_without_echoing_it_and_never_overwritten(
    k8s: client.ApiClient,
    namespace: str,
    leaks: LeakWatch,
    data: dict[str, str],
    problem: str,
) -> None:
    keys = (AgeIdentity.generate().reveal(), AgeIdentity.generate().reveal())
    created = create_secret(k8s, namespace, {k: v.format(*keys) for k, v in data.items()})
    with leaks.raises(EncryptionSecretInvalid) as caught:
        ensure_encryption_key(Cluster(k8s), request(namespace, generate=True))
    assert caught.value.reason == EncryptionReason.ENCRYPTION_SECRET_INVALID
    assert problem in str(caught.value)
    after = read_secret(k8s, namespace)
    assert version(after) == version(created)


def test_a_rejected_create_is_a_create_failure_and_counted(
    k8s: client.ApiClient, namespace: str, leaks: LeakWatch
) -> None:
    before = counter("key_generation_failures")
    invalid_name = request(namespace, generate=True, secret_name="Not_A_Valid_Name")
    with leaks.raises(EncryptionSecretCreateFailed) as caught:
        ensure_encryption_key(Cluster(k8s), invalid_name)
    assert caught.value.reason == EncryptionReason.ENCRYPTION_SECRET_CREATE_FAILED
    assert "422" in str(caught.value)
    assert counter("key_generation_failures") == before + 1


def test_a_create_in_a_missing_namespace_is_a_create_failure(
    k8s: client.ApiClient, leaks: LeakWatch
) -> None:
    with leaks.raises(EncryptionSecretCreateFailed):
        ensure_encryption_key(Cluster(k8s), request("no-such-namespace", generate=True))


class LosesTheCreateRace(Cluster):
    """Someone else's Secret appears (and optionally vanishes) right before our Create."""

    def __init__(self, k8s: client.ApiClient, *, theirs: dict[str, str], vanish: bool) -> None:
        super().__init__(k8s)
        self._k8s = k8s
        self._theirs = theirs
        self._vanish = vanish

    def create_secret(self, namespace: str, name: str, data: Any, **kwargs: Any) -> Any:
        rival = client.CoreV1Api(self._k8s)
        rival.create_namespaced_secret(
            namespace,
            client.V1Secret(metadata=client.V1ObjectMeta(name=name), string_data=self._theirs),
        )
        try:
            return super().create_secret(namespace, name, data, **kwargs)
        finally:
            if self._vanish:
                rival.delete_namespaced_secret(name, namespace)


def without_rbac(control_plane: ControlPlane) -> client.ApiClient:
    """A client acting as a user no RBAC rule grants anything (admin impersonation)."""
    api = control_plane.admin_client()
    cast(Any, api).set_default_header("Impersonate-User", "no-rbac@example.invalid")  # no stub
    return api


def test_an_invalid_secret_adopted_after_a_lost_race_is_invalid_and_counted(
    k8s: client.ApiClient, namespace: str, leaks: LeakWatch
) -> None:
    before = counter("key_generation_failures")
    core = LosesTheCreateRace(k8s, theirs={"other": "x"}, vanish=False)
    with leaks.raises(EncryptionSecretInvalid):
        ensure_encryption_key(core, request(namespace, generate=True))
    assert counter("key_generation_failures") == before + 1


def test_a_secret_gone_again_after_a_lost_race_is_a_create_failure_and_counted(
    k8s: client.ApiClient, namespace: str, leaks: LeakWatch
) -> None:
    before = counter("key_generation_failures")
    core = LosesTheCreateRace(k8s, theirs={"other": "x"}, vanish=True)
    with leaks.raises(EncryptionSecretCreateFailed) as caught:
        ensure_encryption_key(core, request(namespace, generate=True))
    assert "gone again" in str(caught.value)
    assert counter("key_generation_failures") == before + 1


def test_a_secret_the_operator_may_not_read_is_forbidden_with_a_typed_error(
    control_plane: ControlPlane, namespace: str, leaks: LeakWatch
) -> None:
    unprivileged = without_rbac(control_plane)
    with leaks.raises(EncryptionSecretForbidden) as caught:
        ensure_encryption_key(Cluster(unprivileged), request(namespace, generate=True))
    assert caught.value.reason == EncryptionReason.ENCRYPTION_SECRET_MISSING
    assert "403" in str(caught.value)
    assert f"{namespace}/{SECRET_NAME}" in str(caught.value)


def test_loading_an_identity_the_operator_may_not_read_is_forbidden(
    control_plane: ControlPlane, namespace: str, leaks: LeakWatch
) -> None:
    unprivileged = without_rbac(control_plane)
    with leaks.raises(EncryptionSecretForbidden):
        load_identity(Cluster(unprivileged), namespace, SECRET_NAME)


def test_twenty_concurrent_bootstraps_create_exactly_one_key(
    control_plane: ControlPlane, k8s: client.ApiClient, namespace: str
) -> None:
    before = counter("keys_generated")
    callers = 20
    start = threading.Barrier(callers)

    def bootstrap(_: int) -> EncryptionKey:
        cluster = Cluster(control_plane.admin_client())
        start.wait()
        return ensure_encryption_key(cluster, request(namespace, generate=True))

    with ThreadPoolExecutor(max_workers=callers) as pool:
        keys = list(pool.map(bootstrap, range(callers)))

    stored = AgeIdentity.parse(decoded(read_secret(k8s, namespace), SOPS_AGE_KEY))
    assert {key.recipient for key in keys} == {stored.recipient}
    assert sum(key.created for key in keys) == 1
    assert counter("keys_generated") == before + 1
    assert len(client.CoreV1Api(k8s).list_namespaced_secret(namespace).items) == 1
    assert len(events(k8s, namespace)) == 1


def test_the_loaded_identity_decrypts_what_was_encrypted_for_the_recipient(
    k8s: client.ApiClient, namespace: str
) -> None:
    cluster = Cluster(k8s)
    key = ensure_encryption_key(cluster, request(namespace, generate=True))
    identity = load_identity(cluster, namespace, SECRET_NAME)
    assert identity.recipient == key.recipient


def test_the_generated_secret_works_for_sops_and_as_a_flux_agekey_file(
    k8s: client.ApiClient, namespace: str, binaries: Binaries, tmp_path: Path
) -> None:
    key = ensure_encryption_key(Cluster(k8s), request(namespace, generate=True))
    secret = read_secret(k8s, namespace)
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "YQ=="}}
    text = encrypt_document(obj, [key.recipient])
    assert binaries.sops_decrypt(text, decoded(secret, SOPS_AGE_KEY)) == obj
    agekey = tmp_path / FLUX_IDENTITY_KEY
    agekey.write_text(decoded(secret, FLUX_IDENTITY_KEY))
    path = tmp_path / "s.sops.yaml"
    path.write_text(text)
    done = binaries.sops("--decrypt", str(path), key=None)
    assert done.returncode != 0  # no identity given: the next run proves the file is the key
    env_file_run = binaries.sops_with_key_file("--decrypt", str(path), key_file=agekey)
    assert env_file_run.returncode == 0, env_file_run.stderr


def test_the_worker_identity_bootstraps_and_announces_with_its_own_rbac(
    control_plane: ControlPlane, k8s: client.ApiClient, namespace: str
) -> None:
    cluster = Cluster(control_plane.worker_client())
    generated = ensure_encryption_key(cluster, request(namespace, generate=True))
    again = ensure_encryption_key(cluster, request(namespace, generate=True))
    assert (again.recipient, again.created) == (generated.recipient, False)
    assert [event.reason for event in events(k8s, namespace)] == ["EncryptionKeyGenerated"]


def test_a_bootstrap_retried_after_its_create_still_reports_the_key_generated_once(
    k8s: client.ApiClient, namespace: str
) -> None:
    cluster = Cluster(k8s)
    first = ensure_encryption_key(cluster, request(namespace, generate=True))
    client.CoreV1Api(k8s).delete_collection_namespaced_event(namespace)  # as if never announced
    retried = ensure_encryption_key(cluster, request(namespace, generate=True))
    assert (retried.generated, retried.created, retried.recipient) == (True, False, first.recipient)
    again = ensure_encryption_key(cluster, request(namespace, generate=True))
    assert again.generated
    assert [(e.reason, e.count) for e in events(k8s, namespace)] == [("EncryptionKeyGenerated", 1)]


def test_a_key_announced_before_is_not_announced_again(
    k8s: client.ApiClient, namespace: str
) -> None:
    cluster = Cluster(k8s)
    ensure_encryption_key(cluster, request(namespace, generate=True))
    client.CoreV1Api(k8s).delete_collection_namespaced_event(namespace)
    quiet = request(namespace, generate=True).model_copy(update={"announce": False})
    assert ensure_encryption_key(cluster, quiet).generated
    assert events(k8s, namespace) == []


def test_the_backup_reminder_bumps_one_warning_event_while_the_annotation_stays(
    k8s: client.ApiClient, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    cluster = Cluster(k8s)
    ensure_encryption_key(cluster, request(namespace, generate=True))
    caplog.set_level(logging.WARNING, logger="activities.encryption_key")
    assert remind_backup(cluster, request(namespace, generate=True))
    assert remind_backup(cluster, request(namespace, generate=True))
    reminders = [e for e in events(k8s, namespace) if e.reason == KEY_BACKUP_REMINDER_EVENT_REASON]
    assert [(e.type, e.count) for e in reminders] == [("Warning", 2)]
    mine = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len([r for r in mine if SECRET_NAME in r.getMessage()]) == 2


def test_no_reminder_once_the_backup_warning_annotation_is_removed(
    k8s: client.ApiClient, namespace: str
) -> None:
    cluster = Cluster(k8s)
    ensure_encryption_key(cluster, request(namespace, generate=True))
    client.CoreV1Api(k8s).patch_namespaced_secret(
        SECRET_NAME, namespace, {"metadata": {"annotations": {BACKUP_WARNING_ANNOTATION: None}}}
    )
    assert not remind_backup(cluster, request(namespace, generate=True))
    assert not ensure_encryption_key(cluster, request(namespace, generate=True)).generated
    assert KEY_BACKUP_REMINDER_EVENT_REASON not in {e.reason for e in events(k8s, namespace)}
