"""The worker's ``--heartbeat-interval``: seconds above zero, else refused naming the flag."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from worker.cli import main
from worker.settings import positive_seconds


def test_seconds_may_have_a_fraction() -> None:
    assert positive_seconds("0.5") == timedelta(milliseconds=500)


@pytest.mark.parametrize("text", ["0", "-1", "soon", "nan"])
def test_anything_but_seconds_above_zero_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="above 0"):
        positive_seconds(text)


def test_the_worker_refuses_a_bad_interval_naming_the_flag(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["worker", "--heartbeat-interval=0"])

    assert exited.value.code == 2
    assert "--heartbeat-interval" in capsys.readouterr().err
