"""Encrypt N Secrets in-process vs spawning ``sops --encrypt`` per Secret; print a table.

    .venv/bin/python bench/bench_sops.py [--count 1000] [--sops PATH]

One run each, same Secrets, same age recipient, same rule (``encrypted_regex``); both
sides end with the encrypted file on disk. The first in-process result is checked with
``sops --decrypt`` so the fast side is known to produce files sops accepts.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, only bench/ is on sys.path; the harness's tool lookup lives in tests/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from activities import yamlio
from activities.sops import ENCRYPTED_REGEX, AgeIdentity, encrypt_document
from tests.harness.tools import cache_dir

PEM_BODY = "".join(base64.b64encode(bytes([i]) * 48).decode() + "\n" for i in range(25))


def default_sops() -> str:
    """The sops that ``hack/install-tools.sh`` cached for the tests, else the one on PATH."""
    cached = cache_dir() / "bin" / "sops"
    return str(cached) if cached.is_file() else (shutil.which("sops") or "sops")


def make_secrets(count: int) -> list[dict[str, Any]]:
    """Varied, realistic Secrets: credentials, TLS pairs, config blobs (seeded, repeatable)."""
    rng = random.Random(1)
    secrets = []
    for i in range(count):
        data = {
            f"key-{k}": base64.b64encode(rng.randbytes(rng.randint(8, 64))).decode()
            for k in range(rng.randint(1, 6))
        }
        string_data = {}
        if i % 5 == 0:
            string_data["tls.key"] = (
                f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}-----END PRIVATE KEY-----\n"
            )
        secrets.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": f"secret-{i:04d}",
                    "namespace": f"team-{i % 7}",
                    "labels": {"app.kubernetes.io/name": f"app-{i % 13}"},
                },
                "type": "Opaque",
                "data": data,
                **({"stringData": string_data} if string_data else {}),
            }
        )
    return secrets


def run_in_process(secrets: list[dict[str, Any]], recipient: str, out: Path) -> float:
    started = time.perf_counter()
    for i, secret in enumerate(secrets):
        (out / f"{i}.sops.yaml").write_text(encrypt_document(secret, [recipient]))
    return time.perf_counter() - started


def run_sops_binary(sops: str, secrets: list[dict[str, Any]], recipient: str, work: Path) -> float:
    plain = []
    for i, secret in enumerate(secrets):
        path = work / f"{i}.yaml"
        path.write_text(yamlio.dump(secret))
        plain.append(path)
    command = [sops, "--encrypt", "--age", recipient, "--encrypted-regex", ENCRYPTED_REGEX]
    started = time.perf_counter()
    for i, path in enumerate(plain):
        with (work / f"{i}.sops.yaml").open("wb") as sink:
            subprocess.run([*command, str(path)], stdout=sink, check=True)
    return time.perf_counter() - started


def check_with_sops(sops: str, encrypted: Path, identity: AgeIdentity) -> None:
    subprocess.run(
        [sops, "--decrypt", str(encrypted)],
        env={**os.environ, "SOPS_AGE_KEY": identity.reveal()},
        capture_output=True,
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--sops", default=default_sops())
    args = parser.parse_args()

    identity = AgeIdentity.generate()
    secrets = make_secrets(args.count)
    with tempfile.TemporaryDirectory() as tmp:
        ours, theirs = Path(tmp, "in-process"), Path(tmp, "sops")
        ours.mkdir()
        theirs.mkdir()
        in_process = run_in_process(secrets, identity.recipient, ours)
        check_with_sops(args.sops, ours / "0.sops.yaml", identity)
        binary = run_sops_binary(args.sops, secrets, identity.recipient, theirs)

    rows = [
        ("in-process (pyrage + cryptography)", in_process),
        ("sops --encrypt per Secret", binary),
    ]
    print("| method | Secrets | total (s) | per Secret (ms) |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {args.count} | {seconds:.2f} | {seconds / args.count * 1000:.2f} |")
    print(f"\nspeed-up: {binary / in_process:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
