"""benchmarks/benchmark.py writes the book's benchmarks page; the page is in the book."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import yaml

from conftest import REPO

SCRIPT = REPO / "benchmarks" / "benchmark.py"
_spec = importlib.util.spec_from_file_location("benchmark", SCRIPT)
benchmark = importlib.util.module_from_spec(_spec)
sys.modules["benchmark"] = benchmark  # dataclasses look their module up there
_spec.loader.exec_module(benchmark)

HOST = {"cores": "2", "CPU": "Test CPU", "memory": "8 GiB", "system": "Linux", "Python": "3.11",
        "load": "0.0", "date": "2026-01-01 00:00 UTC"}


def test_table_says_which_targets_are_missed_and_what_was_not_measured():
    page = benchmark.render([benchmark.Row("slow build", 301.0, 300), benchmark.Row("fast lab", 12.5, 30),
                             benchmark.Row("suite", None, 1200)], HOST, note="Shared machine.")
    rows = [line for line in page.splitlines() if line.startswith("| ") and "Measurement" not in line]
    assert rows == ["| slow build | 301.0 | 300 | **no** |  |",
                    "| fast lab | 12.5 | 30 | yes |  |",
                    "| suite | not measured | 1200 |  |  |"]
    assert "2 cores (Test CPU)" in page and "Shared machine." in page


def test_committed_page_is_in_the_book_and_names_the_machine():
    page = (REPO / "benchmarks.md").read_text()
    assert page.startswith("# Benchmarks\n") and "benchmarks/benchmark.py" in page
    assert "| Book: full executed build from clean |" in page and "cores (" in page
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    assert "benchmarks" in [c["file"] for part in toc["parts"] for c in part["chapters"]]


def test_unknown_lab_is_refused_in_one_line_before_anything_runs(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--labs", "no_such_lab", "--output", str(tmp_path / "b.md")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "no lab called no_such_lab" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "b.md").exists()
