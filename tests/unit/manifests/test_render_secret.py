"""Secrets become file bytes only sanitised and encrypted, and the guards refuse any leak."""

from __future__ import annotations

import base64
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from activities.manifests import (
    LAST_APPLIED_ANNOTATION,
    InvalidObject,
    PlaintextSecretRefused,
    refuse_plaintext_secret,
    refuse_secret_value_leaks,
    render_secret,
    sanitise,
)
from activities.sops import AgeIdentity, decrypt_document
from tests.unit.sops.key_leaks import LeakWatch

IDENTITY = AgeIdentity.generate()
PATH = "apps/prod/core/secrets/db.sops.yaml"
PASSWORD = "correct horse battery staple"
TOKEN = "tok-0123456789abcdef"
LEAK_WATCH_SECRETS = (PASSWORD, TOKEN, "hunter2hunter2")


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def applied_secret() -> dict[str, Any]:
    """A Secret as the API server serves it after ``kubectl apply`` with stringData."""
    applied = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "prod"},
        "stringData": {"password": PASSWORD},
        "data": {"token": b64(TOKEN)},
    }
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db",
            "namespace": "prod",
            "uid": "5f0c",
            "resourceVersion": "42",
            "annotations": {LAST_APPLIED_ANNOTATION: json.dumps(applied), "team": "payments"},
            "managedFields": [{"manager": "kubectl-client-side-apply"}],
        },
        "type": "Opaque",
        "data": {"token": b64(TOKEN), "password": b64(PASSWORD)},
    }


def rendered(obj: dict[str, Any], existing: bytes | None = None) -> bytes:
    return render_secret(obj, [IDENTITY.recipient], identity=IDENTITY, existing=existing)


def opened(content: bytes) -> dict[str, Any]:
    return decrypt_document(content.decode(), [IDENTITY]).plaintext


def with_annotation(value: str) -> dict[str, Any]:
    obj = applied_secret()
    obj["metadata"]["annotations"] = {"note": value}
    return obj


def with_label(value: str) -> dict[str, Any]:
    obj = with_annotation("owned by payments")
    obj["metadata"]["labels"] = {"l": value}
    return obj


class TestRenderSecret:
    def test_the_last_applied_annotation_does_not_reach_the_file(self) -> None:
        content = rendered(applied_secret())
        assert b"last-applied-configuration" not in content
        assert LAST_APPLIED_ANNOTATION not in opened(content)["metadata"].get("annotations", {})

    @pytest.mark.parametrize("value", [PASSWORD, TOKEN, b64(PASSWORD), b64(TOKEN)])
    def test_no_secret_value_is_readable_in_the_file(self, value: str) -> None:
        assert value.encode() not in rendered(applied_secret())

    def test_the_file_decrypts_to_the_sanitised_secret(self) -> None:
        assert opened(rendered(applied_secret())) == sanitise(applied_secret())

    def test_the_file_passes_the_commit_guard(self) -> None:
        refuse_plaintext_secret(PATH, rendered(applied_secret()))

    def test_an_unchanged_secret_keeps_its_existing_file(self) -> None:
        existing = rendered(applied_secret())
        assert rendered(applied_secret(), existing) == existing

    def test_a_changed_secret_gets_a_new_file(self) -> None:
        existing = rendered(applied_secret())
        changed = applied_secret()
        changed["data"]["token"] = b64("another token")
        assert opened(rendered(changed, existing))["data"]["token"] == b64("another token")

    def test_an_existing_file_that_is_not_utf8_is_replaced(self) -> None:
        assert opened(rendered(applied_secret(), b"\xff\xfe")) == sanitise(applied_secret())

    def test_an_object_that_is_not_a_core_secret_is_refused(self) -> None:
        config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}
        with pytest.raises(InvalidObject):
            rendered(config_map)

    def test_an_annotation_holding_a_value_is_refused_before_encryption(self) -> None:
        with pytest.raises(PlaintextSecretRefused, match="note"):
            rendered(with_annotation(f"password was {PASSWORD}"))

    def test_a_label_holding_a_value_is_refused_before_encryption(self) -> None:
        obj = with_label("hunter2hunter2")
        obj["data"] = {"p": b64("hunter2hunter2")}
        with pytest.raises(PlaintextSecretRefused, match=r"metadata\.labels\.l"):
            rendered(obj)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(min_value=1, max_value=8), st.randoms(use_true_random=False))
    def test_any_order_of_data_keys_keeps_the_existing_file(
        self, count: int, rng: random.Random
    ) -> None:
        obj = applied_secret()
        obj["data"] = {f"key-{i}": b64(f"value number {i}") for i in range(count)}
        existing = rendered(obj)
        items = list(obj["data"].items())
        rng.shuffle(items)
        assert rendered({**obj, "data": dict(items)}, existing) == existing


class TestValueLeaks:
    def test_the_last_applied_annotation_is_refused(self) -> None:
        with pytest.raises(PlaintextSecretRefused, match="last-applied"):
            refuse_secret_value_leaks(applied_secret())

    @pytest.mark.parametrize(
        "spelling",
        [PASSWORD, b64(PASSWORD), TOKEN, b64(TOKEN)],
        ids=["decoded data", "data as written", "decoded data 2", "data as written 2"],
    )
    def test_an_annotation_containing_a_data_value_is_refused(self, spelling: str) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_secret_value_leaks(with_annotation(f"x{spelling}x"))

    @pytest.mark.parametrize("spelling", [PASSWORD, b64(PASSWORD)])
    def test_an_annotation_containing_a_string_data_value_is_refused(self, spelling: str) -> None:
        obj = with_annotation(spelling)
        obj["stringData"] = {"password": PASSWORD}
        obj["data"] = {}
        with pytest.raises(PlaintextSecretRefused):
            refuse_secret_value_leaks(obj)

    @pytest.mark.parametrize(
        "spelling",
        [PASSWORD, b64(PASSWORD), TOKEN, b64(TOKEN), b64(b64(TOKEN))],
        ids=["decoded data", "data as written", "decoded data 2", "data as written 2", "encoded"],
    )
    def test_a_label_containing_a_data_value_is_refused(self, spelling: str) -> None:
        with pytest.raises(PlaintextSecretRefused, match=r"metadata\.labels\.l"):
            refuse_secret_value_leaks(with_label(f"x{spelling}x"))

    def test_a_label_containing_a_string_data_value_is_refused(self) -> None:
        obj = with_label(PASSWORD)
        obj["stringData"] = {"password": PASSWORD}
        obj["data"] = {}
        with pytest.raises(PlaintextSecretRefused, match=r"stringData\.password"):
            refuse_secret_value_leaks(obj)

    def test_any_other_readable_field_containing_a_value_is_refused(self) -> None:
        obj = with_annotation("owned by payments")
        obj["metadata"]["finalizers"] = ["example.com/keep", f"example.com/{TOKEN}"]
        obj["type"] = f"example.com/{PASSWORD}"
        with pytest.raises(PlaintextSecretRefused, match=r"metadata\.finalizers\[1\]"):
            refuse_secret_value_leaks(obj)
        del obj["metadata"]["finalizers"]
        with pytest.raises(PlaintextSecretRefused, match=r": type contains"):
            refuse_secret_value_leaks(obj)

    def test_the_refusal_does_not_quote_the_value(self) -> None:
        with pytest.raises(PlaintextSecretRefused) as caught:
            refuse_secret_value_leaks(with_annotation(PASSWORD))
        assert PASSWORD not in str(caught.value)
        assert "data.password" in str(caught.value)

    def test_values_too_short_to_tell_from_prose_do_not_count(self) -> None:
        obj = with_annotation("listens on 5432")
        obj["data"] = {"port": b64("5432")}
        refuse_secret_value_leaks(obj)

    def test_a_value_equal_to_the_namespace_does_not_count(self) -> None:
        obj = with_annotation("prod")
        obj["metadata"]["annotations"] = {"kubernetes.io/service-account.name": "prod"}
        obj["data"] = {"namespace": b64("prod")}
        refuse_secret_value_leaks(obj)

    def test_a_label_too_short_to_tell_from_prose_does_not_count(self) -> None:
        obj = with_label("5432")
        obj["data"] = {"port": b64("5432")}
        refuse_secret_value_leaks(obj)

    def test_a_label_equal_to_the_name_or_namespace_does_not_count(self) -> None:
        obj = with_label("prod")
        obj["metadata"]["labels"]["app"] = "db"
        obj["data"] = {"namespace": b64("prod"), "name": b64("db")}
        refuse_secret_value_leaks(obj)

    def test_a_name_containing_a_value_does_not_count(self) -> None:
        obj = with_annotation("owned by payments")
        obj["metadata"]["name"] = "db-readonly"
        obj["data"] = {"user": b64("readonly")}
        refuse_secret_value_leaks(obj)

    def test_a_secret_without_values_in_its_annotations_passes(self) -> None:
        refuse_secret_value_leaks(with_annotation("owned by payments"))

    def test_a_secret_without_values_in_its_labels_passes(self) -> None:
        refuse_secret_value_leaks(with_label("payments"))


def test_the_leak_watch_looks_for_this_modules_secret_values(leaks: LeakWatch) -> None:
    assert {PASSWORD, TOKEN} <= leaks.secrets
    leaks.add("probe", f"refused: {b64(PASSWORD)}")
    assert leaks.leaks() == ["probe"]
    leaks.texts.clear()


SOPS_BLOCK = b"sops:\n  version: 3.9.0\n"


class TestCommitGuard:
    def test_a_sops_file_with_the_last_applied_annotation_is_refused(self) -> None:
        content = (
            b"apiVersion: v1\nkind: Secret\nmetadata:\n  annotations:\n"
            b"    kubectl.kubernetes.io/last-applied-configuration: '{}'\n"
            b"data:\n  k: ENC[AES256_GCM,data:x]\n" + SOPS_BLOCK
        )
        with pytest.raises(PlaintextSecretRefused, match="last-applied"):
            refuse_plaintext_secret(PATH, content)

    @pytest.mark.parametrize("payload", [b"data:\n  k: aHVudGVyMg==\n", b"stringData:\n  k: x\n"])
    def test_a_sops_file_with_an_unencrypted_payload_value_is_refused(self, payload: bytes) -> None:
        with pytest.raises(PlaintextSecretRefused, match="not encrypted"):
            refuse_plaintext_secret(PATH, b"kind: Secret\n" + payload + SOPS_BLOCK)

    def test_empty_payload_values_pass(self) -> None:
        refuse_plaintext_secret(PATH, b'kind: Secret\ndata:\n  k: ""\n' + SOPS_BLOCK)

    def test_a_sops_key_without_metadata_is_not_a_sops_block(self) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(PATH, b"kind: Secret\nstringData:\n  k: |\n    x\nsops:\n")

    def test_a_secret_file_that_is_not_yaml_is_refused(self) -> None:
        with pytest.raises(PlaintextSecretRefused, match="readable"):
            refuse_plaintext_secret(PATH, b"kind: [unclosed\n")
