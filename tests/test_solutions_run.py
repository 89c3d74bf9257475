"""Every reference solution runs top to bottom without an error, as a student runs it.

nbgrader scores only the test cells, so a broken *ungraded* cell (a plot, a
comparison table) would never show up in the grades; a student would still
meet the traceback. Run as graded (training shortened), the same check is made
by the mutant tables (``tests/test_mutants.py``: the reference may raise in no
cell), so only the student's run is here. The time budget (about 30 s as a student runs it,
about 10 s graded, on 2 cores) is measured and reported (`pytest -s` shows each
run's time), not asserted: wall time on a shared CI machine is too noisy for that.
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest
from nbclient import NotebookClient

from grader.course import SOLUTIONS, available_labs
from grader.check import _error_of


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["student"])
@pytest.mark.parametrize("lab", available_labs())
def test_reference_solution_runs_end_to_end_without_errors(lab, mode, tmp_path, monkeypatch):
    if mode == "autograde":
        monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    else:
        monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    nb = nbformat.read(SOLUTIONS / lab / f"{lab}.ipynb", as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    elapsed = time.perf_counter() - start
    problems = [f"cell {i} ({c.metadata.get('nbgrader', {}).get('grade_id', 'ungraded')}): {err}"
                for i, c in enumerate(nb.cells) if c.cell_type == "code" and (err := _error_of(c))]
    print(f"{lab} ({mode}): {elapsed:.1f} s")
    assert not problems, "\n".join(problems)
