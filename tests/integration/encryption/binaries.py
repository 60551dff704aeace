"""The real sops and age binaries, run the way users and Flux run them."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.harness.tools import Tools

__all__ = ["Binaries"]


@dataclass(frozen=True)
class Binaries:
    tools: Tools
    workdir: Path

    def _env(self, **extra: str) -> dict[str, str]:
        # No identities from the developer's home; only what the test hands in.
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOPS_") and k != "HOME"}
        return {**env, "HOME": str(self.workdir), "XDG_CONFIG_HOME": str(self.workdir), **extra}

    def sops(
        self, *args: str, key: str | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = self._env(**({"SOPS_AGE_KEY": key} if key is not None else {}))
        return subprocess.run(
            [str(self.tools.bin("sops")), *args],
            env=env,
            cwd=cwd or self.workdir,
            capture_output=True,
            text=True,
            check=False,
        )

    def sops_with_key_file(self, *args: str, key_file: Path) -> subprocess.CompletedProcess[str]:
        """sops reading identities from a key file, as Flux reads a ``.agekey`` entry."""
        return subprocess.run(
            [str(self.tools.bin("sops")), *args],
            env=self._env(SOPS_AGE_KEY_FILE=str(key_file)),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            check=False,
        )

    def sops_decrypt(self, text: str, key: str, name: str = "object.sops.yaml") -> Any:
        """What ``sops -d`` reads from ``text``, as JSON (no YAML emitter quirks in between)."""
        path = self.workdir / name
        path.write_text(text)
        done = self.sops("--decrypt", "--output-type", "json", str(path), key=key)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def age_decrypt(self, armored: str, key_file: Path) -> bytes:
        done = subprocess.run(
            [str(self.tools.bin("age")), "--decrypt", "--identity", str(key_file)],
            input=armored.encode(),
            capture_output=True,
            check=True,
        )
        return done.stdout

    def age_keygen(self) -> Path:
        key_file = self.workdir / "keys.txt"
        subprocess.run(
            [str(self.tools.bin("age-keygen")), "-o", str(key_file)],
            capture_output=True,
            check=True,
        )
        return key_file
