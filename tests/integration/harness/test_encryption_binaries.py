"""The real sops and age binaries decrypt what they are given."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.harness.tools import Tools


@pytest.fixture
def age_identity(tools: Tools, tmp_path: Path) -> tuple[Path, str]:
    """A key file written by age-keygen and its public recipient."""
    key_file = tmp_path / "keys.txt"
    subprocess.run(
        [str(tools.bin("age-keygen")), "-o", str(key_file)], check=True, capture_output=True
    )
    recipient = next(
        line.split(": ", 1)[1]
        for line in key_file.read_text().splitlines()
        if line.startswith("# public key: ")
    )
    return key_file, recipient


def test_sops_decrypts_a_secret_it_encrypted_for_age(
    tools: Tools, tmp_path: Path, age_identity: tuple[Path, str]
) -> None:
    key_file, recipient = age_identity
    plain = tmp_path / "secret.yaml"
    plain.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  token: hunter2\n"
    )
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(key_file)}
    sops = str(tools.bin("sops"))
    encrypted = subprocess.run(
        [
            sops,
            "--encrypt",
            "--age",
            recipient,
            "--encrypted-regex",
            "^(data|stringData)$",
            str(plain),
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    assert "hunter2" not in encrypted
    sealed = tmp_path / "secret.sops.yaml"
    sealed.write_text(encrypted)

    decrypted = subprocess.run(
        [sops, "--decrypt", str(sealed)], check=True, capture_output=True, text=True, env=env
    ).stdout

    assert "token: hunter2" in decrypted


def test_age_decrypts_a_file_encrypted_for_its_recipient(
    tools: Tools, tmp_path: Path, age_identity: tuple[Path, str]
) -> None:
    key_file, recipient = age_identity
    sealed = tmp_path / "message.age"
    subprocess.run(
        [str(tools.bin("age")), "--encrypt", "--armor", "-r", recipient, "-o", str(sealed)],
        input=b"data key",
        check=True,
        capture_output=True,
    )

    opened = subprocess.run(
        [str(tools.bin("age")), "--decrypt", "-i", str(key_file), str(sealed)],
        check=True,
        capture_output=True,
    ).stdout

    assert opened == b"data key"
