"""Shared fixtures: the repository's paths and a way to run the grader's command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def _quiet_progress_bars():
    # Notebooks run by the tests need no progress bars.
    os.environ.setdefault("GENMOD_PROGRESS", "0")


def run_grader(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``python -m grader ARGS`` as an instructor would type it."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
