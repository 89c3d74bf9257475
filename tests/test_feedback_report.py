"""`feedback` and `report`: what students see (not the hidden tests) and what the instructor gets.

The slow tests share ONE real autograde run (the reference and one mutant), each
on its own copy; the fast ones exercise the pieces on synthetic data.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import json
import re
import shutil

import nbformat
import pytest

from conftest import run_grader
from grader.course import GraderError, source_notebook, student_notebook
from grader.feedback import HIDDEN_NOTE, VERDICT_CLASS, _leaks, error_line, split_hidden
from grader.nbgrader_run import Result
from grader.notebooks import canonicalise, is_test_cell, read_notebook
from grader.report import CSV_FIELDS, graded_cells, pass_rates, write_lms_csv

LAB = "flow_matching"
MUTANT = "target_flipped"          # fails test_sample_conditional_path in its hidden part only


def page_text(path) -> str:
    """What a reader of the page sees: tags (syntax highlighting included) removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def hidden_lines() -> list[str]:
    """The distinctive lines of the lab's hidden tests."""
    cells = [c for c in read_notebook(source_notebook(LAB)).cells if is_test_cell(c)]
    return [ln.strip() for c in cells for ln in split_hidden(c.source)[1] if len(ln.strip()) >= 12]


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- Fast: what a failed test may say, and the LMS files, on synthetic input -------------------

SOURCE = ("assert f(1) == 2, 'visible'\n### BEGIN HIDDEN TESTS\n_secret_value = f(41)\n"
          "assert _secret_value == 42, 'f(41) is wrong'\n"
          "assert abs(_secret_value) < 3, f'f(41) = {_secret_value:.3f}, expected < 3'\n### END HIDDEN TESTS")
HIDDEN = split_hidden(SOURCE)[1]


def one_test():
    from grader.feedback import GradedTest, _messages

    literals, templates = _messages(SOURCE)
    return GradedTest("test_f", 2.0, ["f"], literals, templates, True)


def test_a_hidden_region_without_its_end_marker_hides_the_rest_of_the_cell():
    shown, hidden = split_hidden("a = 1\n    ### BEGIN HIDDEN TESTS\n    b = 2\n    c = 3")
    assert shown == f"a = 1\n    {HIDDEN_NOTE}" and hidden == ["    b = 2", "    c = 3"]


def test_a_failed_test_shows_its_own_message_and_its_numbers():
    assert error_line("AssertionError", "f(41) is wrong", one_test(), [s.strip() for s in HIDDEN]) \
        == "AssertionError: f(41) is wrong"
    assert error_line("AssertionError", "f(41) = 7.000, expected < 3", one_test(), HIDDEN) \
        == "AssertionError: f(41) = 7.000, expected < 3"
    # A message of the student's own code is shown when it carries no test code.
    assert error_line("RuntimeError", "shapes (5, 2) and (3,) do not match", one_test(), HIDDEN) \
        == "RuntimeError: shapes (5, 2) and (3,) do not match"


@pytest.mark.parametrize("message", [
    "_secret_value = f(41)",                                       # the hidden line
    "x" + "_secret_value = f(41)"[::-1],                           # reversed
    base64.b64encode(b"_secret_value = f(41)").decode(),            # base64
    b"assert _secret_value == 42".hex(),                            # hex
    "line 1\nline 2\n" + "_secret_value = f(41) and more",        # only the last line counts, and it quotes
    "f(41) = _secret_value = f(41), expected < 3",                  # the test's f-string, a value that quotes
])
def test_a_message_that_could_carry_the_hidden_tests_is_withheld(message):
    line = error_line("ValueError", message, one_test(), [s.strip() for s in HIDDEN])
    assert line == "ValueError (its message is not shown: it could be quoting the test's code)"


def test_an_exception_class_of_the_students_own_is_not_named_and_long_messages_are_cut():
    line = error_line("X" + "ab" * 40, "boom", one_test(), HIDDEN)
    assert line == "an exception of your code's own class: boom"
    assert len(error_line("ValueError", "word " * 100, one_test(), HIDDEN)) < 200


def test_a_page_that_shows_hidden_lines_or_lacks_verdicts_is_withheld(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(f'<div class="{VERDICT_CLASS}"></div><pre>### BEGIN HIDDEN TESTS</pre>')
    assert "delimiter" in _leaks(page, [])
    page.write_text(f'<div class="{VERDICT_CLASS}"></div><pre>_secret_value = f(41)</pre>')
    assert "hidden line" in _leaks(page, [s.strip() for s in HIDDEN])
    page.write_text("<pre>assert f(1) == 2</pre>")
    assert "no verdicts" in _leaks(page, [])
    page.write_text(f'<div class="{VERDICT_CLASS}"></div>')
    assert _leaks(page, [s.strip() for s in HIDDEN]) == ""


def test_each_release_cell_is_laid_out_once_and_a_students_note_stays_where_it_was():
    released = read_notebook(student_notebook(LAB))
    graded, notes = canonicalise(released, released)
    assert [c.source for c in graded.cells] == [c.source for c in released.cells] and notes == []
    mine = nbformat.from_dict(json.loads(json.dumps(released)))
    mine.cells.insert(3, nbformat.v4.new_markdown_cell("my note"))
    mine.cells.append(nbformat.v4.new_code_cell("print('mine')"))
    graded, _ = canonicalise(mine, released)
    assert [c.source for c in graded.cells] == [c.source for c in mine.cells]
    # Without cell ids (an older client), copies are recognised by their text.
    for cell in mine.cells:
        cell.pop("id", None)
    graded, _ = canonicalise(mine, released)
    assert len(graded.cells) == len(released.cells) + 2


RESULTS = [
    Result("123456", LAB, 12.0, 16.0, "graded", tests={"t1": (2, 2), "t2": (1, 3)}),
    Result("234567", LAB, 0.0, 16.0, "review", "held: flagged code", tests={"t1": (0, 2), "t2": (3, 3)}),
    Result("alice", LAB, 16.0, 16.0, "graded", tests={"t1": (2, 2), "t2": (3, 3)}),
]


def test_canvas_file_has_the_gradebook_import_shape_and_posts_no_held_score(tmp_path):
    path, left_out = write_lms_csv(RESULTS, LAB, "canvas", tmp_path / "c.csv", column="Lab 2 (4711)")
    rows = list(csv.reader(path.open()))
    assert rows == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Lab 2 (4711)"],
                    ["Points Possible", "", "", "", "", "16"],
                    ["123456", "123456", "", "", "", "12"],
                    ["234567", "234567", "", "", "", ""],          # held for review: left blank
                    ["alice", "", "", "alice", "", "16"]]          # not a Canvas user id: SIS Login ID
    assert left_out == ["234567: no score given (review: held: flagged code)"]


def test_moodle_file_is_a_grading_worksheet_keyed_by_participant(tmp_path):
    path, left_out = write_lms_csv(RESULTS, LAB, "moodle", tmp_path / "m.csv")
    rows = list(csv.reader(path.open()))
    assert rows == [["Identifier", "Full name", "Grade", "Maximum Grade"],
                    ["Participant 123456", "", "12", "16"],
                    ["Participant 234567", "", "", "16"]]
    assert any(line.startswith("alice: not a Moodle participant id") for line in left_out)
    with pytest.raises(GraderError, match="choose one of"):
        write_lms_csv(RESULTS, LAB, "blackboard", tmp_path / "b.csv")


def test_pass_rates_count_full_marks_and_partial_credit_in_notebook_order():
    stats = pass_rates(RESULTS, order=["t2", "t1"])
    assert [(s.name, s.passed, s.partial, s.graded) for s in stats] == [("t2", 2, 1, 3), ("t1", 2, 0, 3)]
    assert stats[0].rate == pytest.approx(2 / 3) and stats[0].mean == pytest.approx(7 / 3)
    assert graded_cells(LAB)[0] == "test_sample_conditional_path"


def test_feedback_and_report_without_a_gradebook_are_one_line_errors(tmp_path, capsys):
    from grader.__main__ import main

    for command in ("feedback", "report"):
        assert main([command, LAB, "--workdir", str(tmp_path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "no gradebook" in err[0]


# --- Slow: one real autograde, shared -----------------------------------------------------------

@pytest.fixture(scope="session")
def graded_once(tmp_path_factory, worker_id):
    """A work folder after `autograde` of the reference and one mutant (~8 s of grading each),
    made once per test run. pytest 9 ignores pytest-xdist 3.8's `xdist_group` (the group is
    written into `item._nodeid`, which pytest 9 no longer reads), so the tests below may land on
    different workers: the first one to get here grades, under a lock in the run's shared
    temporary folder, and the others wait for it."""
    from filelock import FileLock

    from grader.mutants import load_mutants, write_submissions

    root = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        root = root.parent                           # common to this run's workers
    with FileLock(str(root / "graded.lock")):
        workdir = root / "graded" / "work"
        if not (workdir / "gradebook.db").is_file():
            subs = root / "graded" / "subs"
            write_submissions(LAB, subs, [m for m in load_mutants(LAB) if m.name == MUTANT])
            (subs / "blank.ipynb").unlink()          # the mutant covers failing tests
            proc = run_grader("autograde", LAB, subs, "--workdir", workdir)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            # A student whose grading left no autograded notebook behind.
            shutil.copytree(workdir / "submitted" / "reference", workdir / "submitted" / "ghost")
    return workdir


@pytest.fixture
def graded(graded_once, tmp_path):
    """A private copy of the graded work folder, so that tests on two workers never write to one."""
    from grader.nbgrader_run import prepare_workdir

    copy = tmp_path / "work"
    shutil.copytree(graded_once, copy)
    prepare_workdir(copy)                             # its nbgrader config names its own gradebook
    return copy


@pytest.mark.slow
def test_feedback_shows_scores_verdicts_and_messages_but_no_hidden_test_code(graded):
    gradebook, autograded = graded / "gradebook.db", graded / "autograded" / f"mutant-{MUTANT}" / LAB / f"{LAB}.ipynb"
    before = sha(gradebook), sha(autograded)
    proc = run_grader("feedback", LAB, "--workdir", graded)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = {s: graded / "feedback" / s / LAB / f"{LAB}.html" for s in ("reference", f"mutant-{MUTANT}")}
    for page in pages.values():
        assert str(page) in proc.stdout
    assert "ghost" in proc.stdout and "no graded notebook" in proc.stdout

    secret = hidden_lines()
    assert len(secret) > 30
    for student, page in pages.items():
        text = page_text(page)
        # A hidden test may recompute an answer the reference way: the student's own line is theirs.
        own = (graded / "submitted" / student / LAB / f"{LAB}.ipynb").read_text()
        leaked = [ln for ln in secret if ln in text and json.dumps(ln)[1:-1] not in own]
        assert not leaked, f"{student}'s feedback shows hidden test lines: {leaked[:3]}"
    mutant = page_text(pages[f"mutant-{MUTANT}"])
    assert "Test failed: 0 of 2 points" in mutant
    assert "AssertionError: u_t must be x1 - x0 (from noise to data)" in mutant
    assert 'assert torch.allclose(xt, torch.full((5, 2), 0.25)), "x_t = (1 - t) x0 + t x1"' in mutant
    n_tests = sum(map(is_test_cell, read_notebook(graded / "release" / LAB / f"{LAB}.ipynb").cells))
    assert page_text(pages["reference"]).count("Test passed") == n_tests
    # Feedback is rendered from copies: the gradebook and the graded notebooks are as they were.
    assert (sha(gradebook), sha(autograded)) == before


@pytest.mark.slow
def test_feedback_with_show_hidden_is_nbgraders_page_with_the_hidden_tests(graded):
    # Also proves that the leak check of the test above can fail.
    proc = run_grader("feedback", LAB, "--workdir", graded, "--show-hidden")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = page_text(graded / "feedback" / f"mutant-{MUTANT}" / LAB / f"{LAB}.html")
    assert all(ln in text for ln in hidden_lines())
    assert "Test failed" not in text


@pytest.mark.slow
def test_report_writes_grades_lms_file_pass_rates_and_plots(graded, tmp_path):
    grades = tmp_path / "grades.csv"
    proc = run_grader("report", LAB, "--workdir", graded, "--csv", grades, "--lms", "canvas")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    rows = list(csv.DictReader(grades.open()))
    assert list(rows[0]) == CSV_FIELDS
    scores = {r["student_id"]: r["score"] for r in rows}
    top = rows[0]["max_score"]
    assert set(scores) == {"reference", f"mutant-{MUTANT}"} and scores["reference"] == top
    assert float(scores[f"mutant-{MUTANT}"]) < float(top)

    out = graded / "report"
    canvas = list(csv.reader((out / f"canvas-{LAB}.csv").open()))
    assert canvas[:2] == [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB],
                          ["Points Possible", "", "", "", "", top]]
    assert sorted(canvas[2:]) == [[f"mutant-{MUTANT}", "", "", f"mutant-{MUTANT}", "", scores[f"mutant-{MUTANT}"]],
                                  ["reference", "", "", "reference", "", top]]

    rates = {r["test"]: r for r in csv.DictReader((out / f"pass-rates-{LAB}.csv").open())}
    assert list(rates) == graded_cells(LAB)
    # The mutant loses test_sample_conditional_path (and whatever depends on it), not every test.
    assert rates["test_sample_conditional_path"]["passed"] + "/" + rates["test_sample_conditional_path"]["graded"] == "1/2"
    assert any(r["passed"] == "2" for r in rates.values())
    assert re.search(r"test_sample_conditional_path\s+2\s+1/2\s+50%", proc.stdout)

    from matplotlib.image import imread
    for name in (f"scores-{LAB}.png", f"pass-rates-{LAB}.png"):
        image = imread(out / name)
        assert image.shape[0] > 300 and image.shape[1] > 600, name
        assert image[..., :3].std() > 0.05, f"{name} is blank"
