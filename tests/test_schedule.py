"""schedule.yml: the weeks, their due dates and the late policy, as the grader and the book read them."""

from __future__ import annotations

import argparse
import re
import csv
import json
import warnings
from datetime import timezone
from pathlib import Path

import pytest
from conftest import REPO, run_grader

from grader.__main__ import _due_date
from grader.course import GraderError, available_labs
from grader.nbgrader_run import Result, current_results, record_deadline, release, set_due_date
from grader.report import CSV_FIELDS, write_csv
from grader.schedule import LatePolicy, load_schedule, parse_when

GOOD_WEEK = """\
  - week: 1
    chapter: chapters/flow_matching
    lab: flow_matching
    release: 2027-01-18 09:00 Europe/London
    due: 2027-01-25 12:00 Europe/London
"""


def write_schedule(folder: Path, weeks: str, policy: str = "late_policy: {penalty_per_day: 0.1}\n") -> Path:
    """A schedule beside a copy of the chapter it names (chapters are checked relative to it)."""
    (folder / "chapters").mkdir(exist_ok=True)
    for name in ("flow_matching", "diffusion"):
        (folder / "chapters" / f"{name}.md").write_text("# x\n")
    path = folder / "schedule.yml"
    path.write_text(policy + "weeks:\n" + weeks)
    return path


# --- The course's own schedule --------------------------------------------------------------

def labs_in_the_book() -> list[str]:
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part.get("chapters", [])]
    return sorted(f.split("/")[1] for f in files if f.startswith("labs/"))


def test_the_course_schedule_is_valid_and_gives_every_lab_of_the_book_a_week():
    schedule = load_schedule()
    scheduled = {w.lab for w in schedule.weeks if w.lab}
    missing = [lab for lab in labs_in_the_book() if lab not in scheduled]
    assert not missing, f"labs in _toc.yml without a week in schedule.yml: {missing}"
    assert scheduled <= set(available_labs())
    for w in schedule.weeks:
        assert (REPO / f"{w.chapter}.md").is_file(), w
        assert w.release.tzinfo is not None and w.due > w.release, w
    assert [w.week for w in schedule.weeks] == sorted(w.week for w in schedule.weeks)
    assert schedule.late_policy.penalty_per_day > 0


def test_the_schedule_command_prints_every_week_and_the_policy():
    proc = run_grader("schedule")
    assert proc.returncode == 0, proc.stderr
    for w in load_schedule().weeks:
        assert f"week {w.week}: {w.chapter}" in proc.stdout
    assert "late policy: 10% of the points per day" in proc.stdout


# --- A malformed schedule: one line, naming the entry -----------------------------------------

@pytest.mark.parametrize("weeks, says", [
    (GOOD_WEEK.replace("lab: flow_matching", "lab: flow_matchin"),
     "week 1 (flow_matchin): unknown lab 'flow_matchin'"),
    (GOOD_WEEK.replace("due: 2027-01-25", "due: 2027-01-11"),
     "week 1 (flow_matching): due 2027-01-11 12:00 Europe/London is not after release"),
    (GOOD_WEEK.replace("due: 2027-01-25 12:00 Europe/London", "due: 2027-01-25 12:00"),
     "week 1 (flow_matching): due: '2027-01-25 12:00' has no time zone"),
    (GOOD_WEEK.replace("Europe/London", "Europe/Lodnon"),
     "week 1 (flow_matching): release: '2027-01-18 09:00 Europe/Lodnon': unknown time zone"),
    (GOOD_WEEK.replace("chapters/flow_matching", "chapters/flow_matchng"),
     "week 1 (flow_matching): chapter 'chapters/flow_matchng': there is no chapters/flow_matchng.md"),
    (GOOD_WEEK + GOOD_WEEK.replace("week: 1", "week: 2"),
     "week 2 (flow_matching): lab 'flow_matching' is already in week 1"),
    (GOOD_WEEK + GOOD_WEEK.replace("lab: flow_matching", "lab: diffusion"),
     "week 1 appears twice"),
    (GOOD_WEEK.replace("    due: 2027-01-25 12:00 Europe/London\n", ""),
     "week 1 (flow_matching): no due date for its lab"),
    (GOOD_WEEK.replace("week: 1", "week: one"), "'week' must be a number from 1, not 'one'"),
])
def test_a_malformed_week_is_refused_in_one_line_naming_it(tmp_path, weeks, says):
    path = write_schedule(tmp_path, weeks)
    with pytest.raises(GraderError) as err:
        load_schedule(path, labs=["diffusion", "flow_matching"])
    message = str(err.value)
    assert "\n" not in message and message.startswith("schedule.yml: ")
    assert says in message, message


@pytest.mark.parametrize("policy, says", [
    ("late_policy: {penalty_per_day: 10}\n", "penalty_per_day is a fraction of the points"),
    ("late_policy: {cutoff_days: -1}\n", "cutoff_days must not be negative"),
    ("late_policy: {penalty: 0.1}\n", "unknown key 'penalty'"),
])
def test_a_malformed_late_policy_is_refused_in_one_line(tmp_path, policy, says):
    path = write_schedule(tmp_path, GOOD_WEEK, policy)
    with pytest.raises(GraderError, match=f"schedule.yml: late_policy: {says}"):
        load_schedule(path, labs=["flow_matching"])


def test_the_command_line_prints_a_malformed_schedule_as_one_line_without_a_traceback(tmp_path):
    path = write_schedule(tmp_path, GOOD_WEEK.replace("due: 2027-01-25 12:00 Europe/London",
                                                      "due: 2027-01-25 12:00"))
    proc = run_grader("schedule", "--file", path)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: schedule.yml: week 1 (flow_matching): due: '2027-01-25 12:00' has no time zone "
        "(add one: UTC, +01:00 or an IANA name such as Europe/London)"]


def test_dates_keep_their_zone_summer_time_included():
    assert parse_when("2027-07-01 12:00 Europe/London").astimezone(timezone.utc).hour == 11
    assert parse_when("2027-01-01 12:00 Europe/London").astimezone(timezone.utc).hour == 12
    assert parse_when("2027-01-01 12:00 -05:00").astimezone(timezone.utc).hour == 17
    assert parse_when("2027-01-01T12:00:00Z") == parse_when("2027-01-01 12:00 UTC")


# --- The late policy ------------------------------------------------------------------------

def test_each_day_or_part_of_a_day_late_costs_the_penalty_until_the_cutoff_takes_everything():
    policy = LatePolicy(penalty_per_day=0.1, cutoff_days=3)
    hour = 3600
    assert policy.penalty(20, 25, 0) == 0
    assert policy.penalty(20, 25, 1) == 2.5                    # a second late is a day started
    assert policy.penalty(20, 25, 24 * hour) == 2.5
    assert policy.penalty(20, 25, 24 * hour + 1) == 5
    assert policy.penalty(20, 25, 72 * hour) == 7.5            # the last day before the cut-off
    assert policy.penalty(20, 25, 72 * hour + 1) == 20         # after it: nothing
    assert LatePolicy(0.5).penalty(4, 25, 10 * 24 * hour) == 4  # never below zero; no cut-off


def test_autograde_takes_the_due_date_from_the_schedule_unless_due_is_given():
    schedule = load_schedule()
    week = schedule.for_lab("flow_matching")
    due, policy, source = _due_date(argparse.Namespace(due=None), "flow_matching")
    assert due == week.due.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert policy == schedule.late_policy and source == f"schedule.yml, week {week.week}"
    due, policy, source = _due_date(argparse.Namespace(due="2026-11-30 23:59 +01:00"), "flow_matching")
    assert (due, policy, source) == ("2026-11-30 22:59:00 UTC", schedule.late_policy, "--due")
    with pytest.raises(GraderError, match="--due: '2026-11-30 23:59' has no time zone"):
        _due_date(argparse.Namespace(due="2026-11-30 23:59"), "flow_matching")


@pytest.fixture(scope="module")
def late_workdir(tmp_path_factory):
    """A gradebook as autograde leaves it: full marks for three students, one on time, one a
    day and an hour late, one late and held for review; and one rejected submission."""
    from nbgrader.api import Gradebook

    lab = "variational_inference"
    workdir = tmp_path_factory.mktemp("late")
    release(lab, workdir, dest=workdir / "release")
    due = "2027-01-18 12:00:00 UTC"
    set_due_date(workdir, lab, due)
    record_deadline(workdir, lab, due, LatePolicy(penalty_per_day=0.1, cutoff_days=3))
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{workdir / 'gradebook.db'}") as gb:
        warnings.simplefilter("ignore")
        for student, stamp in [("ontime", "2027-01-18 11:00:00 UTC"), ("late", "2027-01-19 13:00:00 UTC"),
                               ("heldlate", "2027-01-19 13:00:00 UTC")]:
            gb.update_or_create_student(student)
            sub = gb.update_or_create_submission(lab, student, timestamp=stamp)
            for nb in sub.notebooks:
                for grade in nb.grades:
                    grade.auto_score = grade.max_score
            gb.db.commit()
    (workdir / "review.json").write_text(json.dumps(
        {lab: {"heldlate": {"findings": ["line 3: imports os"], "accepted": False}}}))
    (workdir / "batch.json").write_text(json.dumps({lab: {
        "ontime": {"status": "graded", "detail": "", "note": ""},
        "late": {"status": "graded", "detail": "", "note": ""},
        "heldlate": {"status": "review", "detail": "", "note": ""},
        "norun": {"status": "rejected", "detail": "norun.txt: not a notebook (.ipynb)", "note": ""}}}))
    return lab, workdir


def test_a_late_submission_loses_the_penalty_and_the_csv_shows_raw_late_by_penalty_and_final(late_workdir, tmp_path):
    lab, workdir = late_workdir
    results = {r.student: r for r in current_results(workdir, lab)}
    assert sorted(results) == ["heldlate", "late", "norun", "ontime"]   # one row each
    top = results["ontime"].max_score
    assert (results["ontime"].score, results["ontime"].late_penalty) == (top, 0)
    late = results["late"]
    # 25 hours late: two days started, 10% of the points each.
    assert (late.raw_score, late.late_penalty, late.score) == (top, 0.2 * top, top - 0.2 * top)
    assert "late by 25.0 h" in late.detail and "point(s) off" in late.detail
    path = write_csv(list(results.values()), tmp_path / "grades.csv")
    with path.open() as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert list(rows["late"]) == CSV_FIELDS
    assert rows["late"]["raw_score"] == f"{top:g}" and rows["late"]["late_by_hours"] == "25.00"
    assert rows["late"]["late_penalty"] == f"{0.2 * top:g}" and rows["late"]["score"] == f"{0.8 * top:g}"
    assert rows["ontime"]["late_by_hours"] == "0" and rows["ontime"]["late_penalty"] == "0"


def test_a_late_submission_held_for_review_stays_held_with_nothing_given(late_workdir):
    lab, workdir = late_workdir
    held = {r.student: r for r in current_results(workdir, lab)}["heldlate"]
    assert (held.status, held.score) == ("review", 0.0)
    assert held.raw_score == held.max_score and "held for review" in held.detail


def test_the_feedback_page_explains_the_late_penalty():
    from grader.course import student_notebook
    from grader.feedback import render_page
    from grader.notebooks import read_notebook

    nb = read_notebook(student_notebook("variational_inference"))
    result = Result("late", "variational_inference", 17.6, 22.0, "graded", "late by 25.0 h",
                    raw_score=22.0, late_seconds=90000.0, late_penalty=4.4)
    page = render_page("variational_inference", "late", result, nb, nb, {}, {})
    assert "Score: 17.6 of 22 points." in page
    assert "The tests gave 22 points; the late penalty takes off 4.4, for a submission 25.0 hours " \
           "after the due date." in page


def test_release_week_releases_that_weeks_lab_only(tmp_path):
    week = load_schedule().weeks[1]
    proc = run_grader("release", "--week", week.week, "--dest", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [week.lab]
    assert (tmp_path / week.lab / f"{week.lab}.ipynb").is_file()
    proc = run_grader("release", "--week", 99, "--dest", tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error: schedule.yml: no week 99 (weeks: 1,")


# --- The book's Schedule page ----------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_the_schedule_page_links_each_weeks_chapter_lab_and_the_kit_with_its_dates(html):
    from grader.schedule import describe_when

    text = (html / "schedule.html").read_text()
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", text, re.S)[1:]
    schedule = load_schedule()
    assert len(rows) == len(schedule.weeks)
    for row, week in zip(rows, schedule.weeks):
        assert f'href="{week.chapter}.html"' in row, row
        assert f'href="labs/{week.lab}/{week.lab}.html"' in row and 'href="student-kit.zip"' in row, row
        assert describe_when(week.release) in row and describe_when(week.due) in row, row
    assert schedule.late_policy.describe() in text

