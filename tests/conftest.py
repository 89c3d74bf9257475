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


# The slowest work first. pytest-xdist hands tests to its workers in collection
# order, and the suite's minutes sit in a few long tests (a lab's mutant table, the
# adversarial corpus, the book build with its site checks): collected last, one of
# them would run alone at the end while the other core idles.
SLOWEST_FIRST = (
    "tests/test_mutants.py",
    "tests/test_adversarial.py",
    "tests/test_book_build.py",
    "tests/test_site.py",
    "tests/test_gradescope.py::test_otter_run_gives_every_submission",
    "tests/test_grading_escape.py",
)


def pytest_collection_modifyitems(config, items):
    def rank(item) -> int:
        return next((i for i, prefix in enumerate(SLOWEST_FIRST) if item.nodeid.startswith(prefix)),
                    len(SLOWEST_FIRST))
    items.sort(key=rank)  # stable: the order within each rank is kept


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


# ------------------------------------------------------------------ the built book
# Built once per test session (strict, into a temporary folder) and shared by
# every test that reads the site; they all carry @pytest.mark.xdist_group("book"),
# so one pytest-xdist worker builds it and runs them.

JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
STRICT = ["-W", "-n", "--keep-going"]


def build(source: Path, out: Path) -> subprocess.CompletedProcess:
    """``jupyter-book build SOURCE`` into OUT, strictly, as ``make book`` does."""
    return subprocess.run([JUPYTER_BOOK, "build", str(source), "--path-output", str(out), *STRICT],
                          capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="session")
def html(tmp_path_factory) -> Path:
    """The built site (``_build/html``). BOOK_HTML=path/to/_build/html reuses a book
    built earlier, to iterate on the site tests without the two-minute build."""
    if os.environ.get("BOOK_HTML"):
        reused = Path(os.environ["BOOK_HTML"]).resolve()
        assert (reused / "index.html").is_file(), f"BOOK_HTML={reused} holds no built book"
        return reused
    out = tmp_path_factory.mktemp("book")
    proc = build(REPO, out)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    return out / "_build" / "html"
