"""Cheating, broken and odd submissions, graded in one batch: each gets exactly what it deserves.

The corpus and what each case deserves are in ``adversarial_corpus.py``. One
``python -m grader autograde`` run (parallel shards, sandbox on where bubblewrap
works) grades all of it; the tests below read its CSV and gradebook.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adversarial_corpus import LAB, MAX, write_corpus
from conftest import run_grader
from grader.course import REPO
from grader.nbgrader_run import Submission, autograde, read_gradebook
from grader.sandbox import bwrap_works

DUE = "2026-11-21 12:00:00 UTC"
# Two cases (reading the solutions, writing the gradebook) are stopped by the
# sandbox alone; without bubblewrap the corpus cannot get what it deserves.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("adversarial"),
              pytest.mark.skipif(not bwrap_works() and not os.environ.get("CI"),
                                 reason="bubblewrap is not available here (apt-get install bubblewrap)")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    subs, workdir, grades = root / "submissions", root / "course", root / "grades.csv"
    expected = write_corpus(subs, workdir, DUE)
    # conftest's run_grader allows 15 minutes; ~45 submissions on a busy 2-core machine need more.
    proc = subprocess.run([sys.executable, "-m", "grader", "autograde", LAB, str(subs), "--workdir",
                           str(workdir), "--csv", str(grades), "--jobs", "2", "--timeout", "40",
                           "--due", DUE], cwd=REPO, capture_output=True, text=True, timeout=2400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with grades.open() as f:
        rows = list(csv.DictReader(f))
    return expected, rows, workdir, subs, proc.stdout


def _by_student(rows):
    return {r["student_id"]: r for r in rows}


def test_the_corpus_has_at_least_twenty_submissions_and_every_one_is_in_the_grades(graded):
    expected, rows, *_ = graded
    assert len(expected) >= 20
    assert sorted(r["student_id"] for r in rows) == sorted(expected), "a submission was lost or duplicated"


def test_every_submission_gets_exactly_the_score_it_deserves(graded):
    expected, rows, *_ = graded
    got = _by_student(rows)
    problems = []
    for sid, case in expected.items():
        r = got[sid]
        score, status = float(r["score"]), r["status"]
        if status != case.status:
            problems.append(f"{sid} ({case.what}): status {status}, expected {case.status}: {r['detail']}")
            continue
        if case.status in ("review", "rejected") and score != 0:
            problems.append(f"{sid}: {case.status} but awarded {score:g}")
        if case.reason and case.reason not in r["detail"]:
            problems.append(f"{sid}: reason {r['detail']!r} does not say {case.reason!r}")
        if case.extra and case.extra not in r["detail"]:
            problems.append(f"{sid}: detail {r['detail']!r} does not say {case.extra!r}")
        if case.score is not None and score != case.score:
            problems.append(f"{sid} ({case.what}): {score:g}, deserves {case.score:g}")
        if case.twin is not None and score != float(got[case.twin]["score"]):
            problems.append(f"{sid} ({case.what}): {score:g}, but its honest twin {case.twin} "
                            f"got {got[case.twin]['score']}")
        if float(r["max_score"]) != MAX:
            problems.append(f"{sid}: max score {r['max_score']}, the lab is worth {MAX:g}")
    assert not problems, "\n".join(problems)


def test_the_honest_twins_lose_some_points_but_not_all(graded):
    got = _by_student(graded[1])
    for twin in ("wrong", "cheap-wrong", "sample-blank"):
        assert 0 < float(got[twin]["score"]) < MAX, got[twin]


def test_a_swapped_code_object_is_refused_in_the_kernel_so_the_held_score_is_the_honest_one(graded):
    expected, rows, workdir, *_ = graded
    book = read_gradebook(workdir, LAB)
    for sid, case in expected.items():
        if case.raw_twin:
            assert book[sid].raw_score == book[case.raw_twin].score, (sid, book[sid].detail)


def test_held_scores_name_the_offending_line_for_the_reviewer(graded):
    got = _by_student(graded[1])
    assert "torch.allclose = lambda" in got["torch-allclose"]["detail"]
    assert "input_transformers_cleanup" in got["transformer"]["detail"]
    assert "the kernel's exit" in got["shell-exit"]["detail"]
    assert "os.sys" in got["displayhook"]["detail"]
    assert "held for review" in graded[4]  # the command says so too


def test_every_class_of_the_red_team_has_at_least_two_instances_and_each_gains_nothing(graded):
    expected = graded[0]
    classes = {"shell": ("shell-alias", "shell-exit", "shell-quit", "shell-history"),
               "code outside the notebook": ("written-module", "written-module-numpy"),
               "output tricks": ("displayhook", "over-points", "interactivity"),
               "patches past the scan": ("via-genmod", "via-os-sys", "proxy", "emptied-setup"),
               "lying objects": ("liar", "tensor-subclass")}
    for name, cases in classes.items():
        assert len(cases) >= 2 and all(c in expected for c in cases), name
        for c in cases:
            assert expected[c].status == "review", c
    # Behind the scan, the kernel's own layers (the reset before each test, scoring on
    # errors only, the notebook's folder off sys.path) leave these no better than honest.
    with_twin = [c for cases in classes.values() for c in cases if expected[c].raw_twin]
    assert len(with_twin) >= 11


def test_the_sandboxed_kernel_could_not_touch_the_gradebook(graded):
    # The attack's UPDATE would have given every test of every student 100 points.
    _, _, workdir, *_ = graded
    book = read_gradebook(workdir, LAB)
    assert book["reference"].score == MAX
    assert all(s <= m for s, m in book["gradebook-sql"].tests.values())


def test_report_rebuilds_the_same_grades_from_the_gradebook(graded, tmp_path):
    _, rows, workdir, *_ = graded
    again = tmp_path / "again.csv"
    proc = run_grader("report", LAB, "--workdir", workdir, "--csv", again)
    assert proc.returncode == 0, proc.stderr
    with again.open() as f:
        rebuilt = _by_student(csv.DictReader(f))
    for r in rows:
        # Rejected files, and submissions that broke grading, never reach the gradebook.
        if r["status"] == "graded" or (r["status"] == "review" and "grading failed" not in r["detail"]):
            assert rebuilt[r["student_id"]]["score"] == r["score"], r["student_id"]
            assert rebuilt[r["student_id"]]["status"] == r["status"], r["student_id"]


def test_accepting_a_review_releases_the_autograded_score(graded, tmp_path):
    workdir = tmp_path / "course"
    shutil.copytree(graded[2], workdir)
    held = read_gradebook(workdir, LAB)["np-allclose"]
    proc = run_grader("accept", LAB, "np-allclose", "--workdir", workdir)
    assert proc.returncode == 0, proc.stderr
    assert "np.allclose" in proc.stdout
    released = read_gradebook(workdir, LAB)["np-allclose"]
    assert (released.status, released.score) == ("graded", held.raw_score)
    proc = run_grader("accept", LAB, "reference", "--workdir", workdir)
    assert proc.returncode == 2 and "no submission" in proc.stderr


def test_parallel_grading_gives_the_scores_of_one_shard_and_regrading_is_idempotent(graded, tmp_path):
    _, _, workdir, subs, _ = graded
    parallel = read_gradebook(workdir, LAB)
    names = ["reference", "wrong", "kernel-crash"]
    picked = [Submission(n, subs / f"{n}.ipynb") for n in names]
    sequential = {r.student: r for r in autograde(LAB, picked, tmp_path / "seq", jobs=1, cell_timeout=40)}
    for n in names:
        assert sequential[n].tests == parallel[n].tests, n
    # Grading the same submission again into the same gradebook changes nothing.
    copy = tmp_path / "course"
    shutil.copytree(workdir, copy)
    before = read_gradebook(copy, LAB)
    autograde(LAB, picked[:1], copy, jobs=1, cell_timeout=40)
    after = read_gradebook(copy, LAB)
    assert {s: (r.score, r.tests) for s, r in after.items()} == \
        {s: (r.score, r.tests) for s, r in before.items()}


def test_feedback_is_written_for_graded_students_and_withheld_while_a_score_is_held(graded):
    from grader.feedback import generate_feedback

    _, _, workdir, *_ = graded
    run = generate_feedback(LAB, workdir)
    assert "reference" in run.written and "wrong" in run.written
    for sid in ("np-allclose", "transformer"):
        assert sid not in run.written and "held for review" in run.problems[sid]
        assert not list((workdir / "feedback" / sid).glob("**/*.html")), sid
