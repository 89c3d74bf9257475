"""Shared fixtures: the repository's paths and a way to run the grader's command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Test workers (pytest-xdist) cannot print to the terminal, so the mutant tables
# go here and the controlling process prints them at the end of the run.
MUTANT_TABLES = REPO / ".pytest_cache" / "mutant-tables"


def _is_controller(config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session):
    if _is_controller(session.config):
        shutil.rmtree(MUTANT_TABLES, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for table in sorted(MUTANT_TABLES.glob("*.txt")):
        terminalreporter.write_sep("=", f"mutant table of lab {table.stem} (nbgrader autograde)")
        terminalreporter.write_line(table.read_text())


@pytest.fixture(autouse=True, scope="session")
def _quiet_progress_bars():
    # Notebooks run by the tests need no progress bars.
    os.environ.setdefault("GENMOD_PROGRESS", "0")


def run_grader(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """``python -m grader ARGS`` as an instructor would type it."""
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=900)
