"""``labs/`` is exactly what ``python -m grader release`` makes from ``solutions/``, and leaks nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from grader.course import LABS, REPO, SOLUTIONS, available_labs
from grader.mutants import load_mutants
from grader.nbgrader_run import release
from grader.notebooks import is_solution_cell, is_test_cell, read_notebook

LAB_NAMES = available_labs()


def _cells(path: Path):
    nb = read_notebook(path)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


def test_every_lab_has_a_source_a_release_and_a_page_in_the_book():
    assert LAB_NAMES, "solutions/ holds no lab"
    released = sorted(p.name for p in LABS.iterdir() if p.is_dir())
    assert released == LAB_NAMES, "labs/ and solutions/ hold different labs; run `make release`"
    toc = json.dumps(yaml.safe_load((REPO / "_toc.yml").read_text()))
    for lab in LAB_NAMES:
        assert f"labs/{lab}/{lab}" in toc, f"lab {lab} is not in _toc.yml"


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_released_lab_is_what_release_regenerates(lab, tmp_path):
    fresh = release(lab, tmp_path / "work", dest=tmp_path / "release")
    committed = LABS / lab
    assert sorted(p.name for p in fresh.iterdir()) == sorted(p.name for p in committed.iterdir()), \
        f"labs/{lab} holds other files than the release; run `python -m grader release {lab}`"
    for path in fresh.glob("*.ipynb"):
        assert _cells(path) == _cells(committed / path.name), \
            f"labs/{lab}/{path.name} is out of date; run `python -m grader release {lab}`"


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_student_version_holds_no_solution_and_no_hidden_test(lab):
    source = read_notebook(SOLUTIONS / lab / f"{lab}.ipynb")
    student = read_notebook(LABS / lab / f"{lab}.ipynb")
    text = json.dumps(student)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in text
    # No line of any reference answer longer than a signature survives in the student version.
    for cell in source.cells:
        if is_solution_cell(cell) and cell.cell_type == "code":
            inside = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            for line in inside.splitlines():
                if len(line.strip()) > 12:
                    assert line.strip() not in text, f"solution line leaked: {line.strip()!r}"
    solutions = [c for c in student.cells if is_solution_cell(c) and c.cell_type == "code"]
    assert solutions and all("raise NotImplementedError()" in c.source for c in solutions)
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code"), \
        "the student version ships without outputs"


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_every_graded_function_has_mutants_and_every_test_cell_has_points(lab):
    source = read_notebook(SOLUTIONS / lab / f"{lab}.ipynb")
    mutants = load_mutants(lab)
    assert len(mutants) >= 5
    solution_cells = {c.metadata.nbgrader.grade_id for c in source.cells
                      if is_solution_cell(c) and c.cell_type == "code"}
    assert solution_cells <= {m.cell for m in mutants}, \
        f"solution cells without a mutant: {sorted(solution_cells - {m.cell for m in mutants})}"
    tests = [c for c in source.cells if is_test_cell(c)]
    assert tests and all(c.metadata.nbgrader.get("points", 0) > 0 for c in tests)
    assert all("### BEGIN HIDDEN TESTS" in c.source for c in tests), "every test cell has hidden tests"


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_source_notebook_is_committed_without_outputs(lab):
    # Outputs bloat the diff and can carry a stale result that the code no longer produces.
    source = read_notebook(SOLUTIONS / lab / f"{lab}.ipynb")
    assert all(not c.get("outputs") and not c.get("execution_count")
               for c in source.cells if c.cell_type == "code"), \
        f"solutions/{lab}/{lab}.ipynb carries outputs; clear them before committing"
