"""Shared fixtures: paths to the hand-made test data and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["postgres"]  # tests/postgres.py: a throw-away PostgreSQL server (postgresql_url)

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def mini_q():
    from cxassess.questionnaire.model import load_questionnaire

    return load_questionnaire(DATA / "mini.yaml")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real console entry point in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "cxassess", *map(str, args)],
        capture_output=True, text=True, cwd=cwd or ROOT, timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli


# hypothesis budgets (tests/test_fuzz.py): "ci" in make test, a few hundred cases in all; "fuzz" in make fuzz,
# over 10,000; chosen by CX_HYPOTHESIS_PROFILE
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True)
_hypothesis_settings.register_profile("fuzz", max_examples=1200, deadline=None)
_hypothesis_settings.load_profile(os.environ.get("CX_HYPOTHESIS_PROFILE", "ci"))
