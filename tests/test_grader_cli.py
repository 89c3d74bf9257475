"""The grader's command line: clear one-line errors, and a batch that survives bad submissions."""

from __future__ import annotations

import csv
import json
import shutil
import sys

import nbformat
import pytest

from conftest import run_grader
from grader.course import LABS, REPO, SOLUTIONS
from grader.notebooks import fill_solutions, is_test_cell, read_notebook

LAB = "flow_matching"
STUDENT_NB = LABS / LAB / f"{LAB}.ipynb"


def _one_line_error(proc, *fragments):
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def reference_nb(tmp_path_factory):
    """What a student who wrote the reference answers submits."""
    path = tmp_path_factory.mktemp("ref") / f"{LAB}.ipynb"
    nbformat.write(fill_solutions(read_notebook(STUDENT_NB), read_notebook(SOLUTIONS / LAB / f"{LAB}.ipynb")), path)
    return path


def test_check_of_a_missing_notebook_says_so(tmp_path):
    _one_line_error(run_grader("check", tmp_path / "nope.ipynb"), "no such file")


def test_check_of_malformed_json_says_where(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text('{"cells": [')
    _one_line_error(run_grader("check", bad), "not valid notebook JSON")


def test_check_of_a_notebook_without_tests_says_it_is_not_a_lab(tmp_path):
    nb = tmp_path / "other.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), nb)
    _one_line_error(run_grader("check", nb), "no test cells")


def test_wrong_lab_name_lists_the_labs(tmp_path):
    _one_line_error(run_grader("autograde", "flow_matchin", tmp_path), "no lab called", LAB)
    _one_line_error(run_grader("release", "nosuchlab"), "no lab called")
    _one_line_error(run_grader("mutants", "nosuchlab"), "no lab called")


def test_the_grader_run_by_a_python_without_the_course_packages_says_to_use_the_venv(tmp_path):
    import subprocess

    # The system's Python, without the venv's site-packages: nbformat is missing there.
    proc = subprocess.run([sys.base_prefix + "/bin/python3", "-S", "-m", "grader", "autograde", LAB, tmp_path],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    _one_line_error(proc, ".venv/bin/python -m grader autograde", "nbformat")


def test_missing_submissions_folder_and_missing_gradebook_are_clear_errors(tmp_path):
    _one_line_error(run_grader("autograde", LAB, tmp_path / "absent"), "no such folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(run_grader("autograde", LAB, empty), "no submissions found")
    _one_line_error(run_grader("report", LAB, "--workdir", tmp_path / "w"), "no gradebook")


@pytest.mark.slow
def test_check_reports_passing_tests_on_the_reference_and_what_is_left_on_the_blank(reference_nb, tmp_path):
    ok = run_grader("check", reference_nb)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    n_tests = sum(map(is_test_cell, read_notebook(STUDENT_NB).cells))
    assert ok.stdout.count("PASS") == n_tests and "FAIL" not in ok.stdout
    blank = tmp_path / f"{LAB}.ipynb"
    shutil.copyfile(STUDENT_NB, blank)
    todo = run_grader("check", blank)
    assert todo.returncode == 1
    assert todo.stdout.count("FAIL") == n_tests and "NotImplementedError" in todo.stdout
    assert "still to do: sample_conditional_path, cfm_loss, euler_step, midpoint_step, integrate, sample" in todo.stdout


@pytest.mark.slow
def test_autograde_batch_grades_the_good_rejects_the_bad_and_loses_no_one(reference_nb, tmp_path):
    subs = tmp_path / "downloads"
    subs.mkdir()
    shutil.copyfile(reference_nb, subs / "alice.ipynb")                  # full marks
    (subs / "bob").mkdir()
    shutil.copyfile(STUDENT_NB, subs / "bob" / f"{LAB}.ipynb")           # handed in untouched: zero
    (subs / "carol.ipynb").write_text('{"cells": [')                      # malformed JSON
    (subs / "dave.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")       # a picture renamed
    (subs / "erin.pdf").write_text("%PDF-1.4")                            # not a notebook
    (subs / "frank").mkdir()                                              # folder with nothing inside
    (subs / "bad name!.ipynb").write_text("{}")                           # id nbgrader cannot take
    nb = json.loads(reference_nb.read_text())
    nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                   != "test_cfm_loss"]
    (subs / "grace.ipynb").write_text(json.dumps(nb))                     # deleted a test cell
    workdir, grades = tmp_path / "work", tmp_path / "grades.csv"

    proc = run_grader("autograde", LAB, subs, "--workdir", workdir, "--csv", grades)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(grades.open())}
    assert set(rows) == {"alice", "bob", "carol", "dave", "erin", "frank", "bad name!", "grace"}
    score = {s: (float(r["score"]), r["status"]) for s, r in rows.items()}
    top = sum(float(c.metadata["nbgrader"]["points"]) for c in read_notebook(SOLUTIONS / LAB / f"{LAB}.ipynb").cells
              if is_test_cell(c))
    assert score["alice"] == (top, "graded")
    assert score["bob"] == (0.0, "graded")
    # nbgrader restores the deleted test cell, hidden tests included, so the work still earns its points.
    assert score["grace"] == (top, "graded")
    for bad in ("carol", "dave", "erin", "frank", "bad name!"):
        assert score[bad] == (0.0, "rejected") and rows[bad]["detail"], bad
    assert all(float(r["max_score"]) == top for r in rows.values())
    assert "not valid notebook JSON" in rows["carol"]["detail"]

    # `report` rebuilds the same rows, rejected students included, one each.
    again = tmp_path / "again.csv"
    rep = run_grader("report", LAB, "--workdir", workdir, "--csv", again)
    assert rep.returncode == 0, rep.stderr
    rebuilt = list(csv.DictReader(again.open()))
    assert len(rebuilt) == len(rows)
    assert {r["student_id"]: (r["score"], r["status"]) for r in rebuilt} == \
        {s: (r["score"], r["status"]) for s, r in rows.items()}


def test_a_linked_notebook_in_a_students_folder_is_rejected_not_read(tmp_path):
    from grader.nbgrader_run import find_submissions

    outside = tmp_path / "outside.ipynb"
    outside.write_text("{}")
    (tmp_path / "subs" / "amy").mkdir(parents=True)
    (tmp_path / "subs" / "amy" / f"{LAB}.ipynb").symlink_to(outside)
    (tmp_path / "subs" / "bo.ipynb").symlink_to(outside)
    found = {s.student: s for s in find_submissions(tmp_path / "subs", LAB)}
    assert found["amy"].path is None and "symbolic link" in found["amy"].problem
    assert found["bo"].path is None and "symbolic link" in found["bo"].problem
