"""The commit guard decides by content: no readable core Secret reaches Git, whatever its path."""

from __future__ import annotations

import codecs

import pytest

from activities.manifests import PlaintextSecretRefused, guard, refuse_plaintext_secret

ODD_PATH = "odd/place/notes.txt"
PLAINTEXT = (
    b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: aHVudGVyMg==\n"
)
ENCRYPTED = (
    b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
    b"data:\n  password: ENC[AES256_GCM,data:x,type:str]\nsops:\n  version: 3.9.0\n"
)
CONFIG_MAP = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"


class TestAnyPath:
    @pytest.mark.parametrize("path", [ODD_PATH, "p/ns/core/configmaps/db.yaml", "README.md"])
    def test_plaintext_secret_is_refused_under_any_path(self, path: str) -> None:
        with pytest.raises(PlaintextSecretRefused, match=r"not encrypted|sops"):
            refuse_plaintext_secret(path, PLAINTEXT)

    def test_encrypted_secret_passes_under_any_path(self) -> None:
        refuse_plaintext_secret(ODD_PATH, ENCRYPTED)

    def test_encrypted_secret_with_the_last_applied_annotation_is_refused(self) -> None:
        escaped = b'"kubectl.kubernetes.io/last-applied-configur\\x61tion"'
        content = ENCRYPTED.replace(
            b"  name: db\n", b"  name: db\n  annotations:\n    " + escaped + b": x\n"
        )
        with pytest.raises(PlaintextSecretRefused, match="last-applied"):
            refuse_plaintext_secret(ODD_PATH, content)

    def test_secret_kind_of_another_group_passes(self) -> None:
        refuse_plaintext_secret(ODD_PATH, PLAINTEXT.replace(b"apiVersion: v1", b"apiVersion: x/v1"))

    def test_secret_without_an_api_version_counts_as_core(self) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, PLAINTEXT.replace(b"apiVersion: v1\n", b""))


class TestWhereTheSecretHides:
    def test_second_document_of_a_multi_document_file(self) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, CONFIG_MAP + b"---\n" + PLAINTEXT)

    def test_item_of_a_list(self) -> None:
        content = (
            b"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
            b"- apiVersion: v1\n  kind: Secret\n  data:\n    a: YQ==\n"
        )
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, content)

    def test_item_of_a_list_in_a_list(self) -> None:
        content = (
            b'{"apiVersion": "v1", "kind": "List", "items": [{"kind": "List", "items": '
            b'[{"apiVersion": "v1", "kind": "Secret", "stringData": {"a": "b"}}]}]}'
        )
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, content)

    def test_items_of_a_secret_list_whose_items_do_not_name_their_kind(self) -> None:
        content = b"apiVersion: v1\nkind: SecretList\nitems:\n- data:\n    a: YQ==\n"
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, content)

    @pytest.mark.parametrize(
        "kind",
        [b'"Secr\\x65t"', b'"\\u0053ecret"', b'"\\x53ecret"', b'"Sec\\\n  ret"', b"!!str Secret"],
    )
    def test_escaped_spellings_of_the_kind(self, kind: bytes) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, PLAINTEXT.replace(b"Secret", kind))

    @pytest.mark.parametrize(
        "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
    )
    def test_wider_encodings_with_or_without_a_byte_order_mark(self, encoding: str) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, PLAINTEXT.decode().encode(encoding))

    def test_utf8_with_a_byte_order_mark(self) -> None:
        with pytest.raises(PlaintextSecretRefused):
            refuse_plaintext_secret(ODD_PATH, codecs.BOM_UTF8 + PLAINTEXT)

    def test_broken_yaml_that_shows_a_secret_kind_line_fails_closed(self) -> None:
        with pytest.raises(PlaintextSecretRefused, match="not readable"):
            refuse_plaintext_secret(ODD_PATH, PLAINTEXT + b"  broken: [\n")


class TestOrdinaryFiles:
    def test_config_map_whose_data_mentions_secret_passes(self) -> None:
        content = CONFIG_MAP + b'  note: "kind: Secret is stored \\\\encrypted"\n  Secret: x\n'
        refuse_plaintext_secret("p/ns/core/configmaps/c.yaml", content)

    def test_config_map_holding_a_secret_manifest_as_text_passes(self) -> None:
        content = CONFIG_MAP + b"  template: |\n    kind: Secret\n    data:\n      a: b\n"
        refuse_plaintext_secret("p/ns/core/configmaps/c.yaml", content)

    def test_prose_that_is_no_yaml_passes(self) -> None:
        refuse_plaintext_secret("p/README.md", b"# p\n\nSecrets: are here: encrypted.\n- [x\n")

    def test_file_that_cannot_spell_secret_is_not_parsed(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_parsing() -> None:
            raise AssertionError("parsed a file that cannot hold a Secret")

        monkeypatch.setattr(guard, "_multi_document_reader", no_parsing)
        refuse_plaintext_secret("p/ns/core/configmaps/c.yaml", CONFIG_MAP)
        with pytest.raises(AssertionError, match="parsed"):
            refuse_plaintext_secret("p/ns/core/configmaps/c.yaml", CONFIG_MAP + b"  k: Secret\n")
