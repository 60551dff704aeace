"""A process the suite starts and never stops fails the run, and is ended by pid."""

from __future__ import annotations

import os

import pytest

from tests.conftest import REPO_ROOT
from tests.harness.process import running, wait_until

_LEAKY_TEST = """
from pathlib import Path
from tests.harness.process import ManagedProcess, wait_until

def test_starts_a_server_and_forgets_it(tmp_path: Path) -> None:
    sleeper = ManagedProcess(
        name="forgotten",
        argv=["sh", "-c", "sleep 120 & echo $! > {child_file}; sleep 120"],
        log_path=tmp_path / "s.log",
    ).start()
    wait_until(Path({child_file!r}).exists, timeout=10, what="the child")
    Path({pid_file!r}).write_text(str(sleeper.pid))
"""


def test_a_forgotten_process_fails_the_run_and_is_ended(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file, child_file = pytester.path / "leaked.pid", pytester.path / "child.pid"
    pytester.makeconftest("from tests.conftest import pytest_sessionfinish, pytest_unconfigure\n")
    pytester.makepyfile(
        test_leaky=_LEAKY_TEST.format(pid_file=str(pid_file), child_file=str(child_file))
    )
    monkeypatch.setenv("PYTHONPATH", f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*processes started by the suite outlived it: forgotten*"])
    leaked = {int(pid_file.read_text()), int(child_file.read_text())}
    wait_until(
        lambda: not any(map(running, leaked)), timeout=10, what="the leaked processes to end"
    )
