"""The hidden tests of every lab, proved through the real ``nbgrader autograde``.

For each lab: the reference solution gets full marks, the untouched student
notebook gets zero, and every planted bug in ``solutions/<lab>/mutants.py``
loses points. The table of all submissions is printed at the end of the test run.
"""

from __future__ import annotations

import pytest

from conftest import MUTANT_TABLES
from grader.course import available_labs
from grader.mutants import load_mutants, run_mutation_analysis


@pytest.mark.slow
@pytest.mark.parametrize("lab", available_labs())
def test_hidden_tests_give_full_marks_to_the_reference_zero_to_blank_and_kill_every_mutant(
        lab, tmp_path):
    report = run_mutation_analysis(lab, tmp_path)
    MUTANT_TABLES.mkdir(parents=True, exist_ok=True)
    (MUTANT_TABLES / f"{lab}.txt").write_text(report.table())  # printed at the end of the run
    graded = report.by_student()
    assert set(graded) == {"reference", "blank"} | {f"mutant-{m.name}" for m in load_mutants(lab)}
    assert report.failures() == []
