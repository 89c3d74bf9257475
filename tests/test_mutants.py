"""The hidden tests of every lab, proved on the reference, the blank notebook and every planted bug.

For each lab: the reference solution gets full marks and raises in no cell,
the untouched student notebook gets zero, every bug in ``solutions/<lab>/mutants.py``
loses points while failing at most its ``max_failed_cells`` test cells, and every
``eq_`` variant keeps full marks. The whole table is graded by the fork engine
(``grader/forkgrade.py``: one process per lab that forks where a submission
departs from the reference), and a sample of it again through the real,
sandboxed ``nbgrader autograde``: both must give every test cell the same score,
which is what makes the fork engine's table the nbgrader table. The tables are
printed at the end of the test run.
"""

from __future__ import annotations

import pytest

from conftest import MUTANT_TABLES
from grader.course import available_labs
from grader.mutants import load_mutants, run_mutation_analysis


def nbgrader_sample(lab: str) -> list[str]:
    """The mutants graded by both engines: the first correct variant and the first bug.

    With the reference (full marks) and the blank notebook (zero) that makes four
    submissions per lab through the real sandboxed nbgrader: one of each kind of
    verdict. Each costs a kernel start and the lab's graded run, and the suite
    pays it for every lab, so the sample stays this small; the fork engine grades
    the whole table.
    """
    mutants = load_mutants(lab)
    return ([m.name for m in mutants if m.equivalent][:1]
            + [m.name for m in mutants if not m.equivalent][:1])


@pytest.mark.slow
@pytest.mark.parametrize("lab", available_labs())
def test_hidden_tests_give_full_marks_to_the_reference_zero_to_blank_and_kill_every_mutant(lab, tmp_path):
    report = run_mutation_analysis(lab, tmp_path / "fork", engine="fork")
    MUTANT_TABLES.mkdir(parents=True, exist_ok=True)
    (MUTANT_TABLES / f"{lab}.txt").write_text(report.table())  # printed at the end of the run
    graded = report.by_student()
    assert set(graded) == {"reference", "blank"} | {f"mutant-{m.name}" for m in load_mutants(lab)}
    assert report.failures() == []

    sample = nbgrader_sample(lab)
    real = run_mutation_analysis(lab, tmp_path / "nbgrader", engine="nbgrader", only=sample).by_student()
    assert set(real) == {"reference", "blank"} | {f"mutant-{name}" for name in sample}
    disagree = {sid: (r.tests, graded[sid].tests) for sid, r in real.items()
                if r.status != "graded" or r.tests != graded[sid].tests}
    assert not disagree, f"nbgrader and the fork engine disagree (nbgrader, fork): {disagree}"
