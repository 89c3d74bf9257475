"""Nothing leaves or enters the grading sandbox, hidden tests never reach a student, every student has a row.

One real batch, graded by ``python -m grader autograde`` with the bubblewrap
sandbox, holds a submission for each attack and mishap:

* ``linker`` replaces the notebook in its kernel's working folder by a link to a
  file outside, links an outside secret into it, and plants the same links where
  the trusted side writes the graded notebook (its absolute path is known);
* ``snoop`` lists and reads its working folder, ``..`` and the grading folder's
  paths, looking for hidden tests and other students' files;
* ``leaker`` has the hidden tests (as if it had read them) and sends them back
  in every way a page could show: printed, raised plain, reversed, base64-encoded,
  and as the name of its own exception class;
* ``tim`` makes nbgrader crash (a timestamp it cannot parse), ``carol`` is rejected;
* ``untouched`` is the released notebook as downloaded.

A second batch (one rejected file) follows, then ``accept``, ``feedback`` and
``report``; the tests read what they wrote.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import os
import re
import shutil
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import run_grader
from grader.course import LABS, SOLUTIONS
from grader.feedback import HIDDEN_BEGIN, VERDICT_CLASS, split_hidden
from grader.notebooks import fill_solutions, grade_id, is_test_cell, read_notebook
from grader.sandbox import bwrap_works

LAB = "flow_matching"
STUDENT_NB = LABS / LAB / f"{LAB}.ipynb"
SOURCE_NB = SOLUTIONS / LAB / f"{LAB}.ipynb"
GRADED = ["ref-a", "mut-b", "linker", "snoop", "leaker", "untouched"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("escape"),
              pytest.mark.skipif(not bwrap_works() and not os.environ.get("CI"),
                                 reason="bubblewrap is not available here (apt-get install bubblewrap)")]


def hidden_lines() -> list[str]:
    cells = [c for c in read_notebook(SOURCE_NB).cells if is_test_cell(c)]
    return [ln.strip() for c in cells for ln in split_hidden(c.source)[1] if len(ln.strip()) >= 20
            and not ln.strip().startswith("#")]


def with_cell(nb, code: str):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells.append(nbformat.v4.new_code_cell(code))
    return nb


def with_answer(nb, gid: str, code: str):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if grade_id(cell) == gid:
            cell.source = code
    return nb


LINKER = """
import os
here = os.getcwd()
for name in os.listdir(here):
    os.remove(os.path.join(here, name))
os.symlink({victim!r}, os.path.join(here, "flow_matching.ipynb"))
os.symlink({secret!r}, os.path.join(here, "leak.txt"))
for target in [os.path.join(here, "..", "leak2.txt")] + [
        os.path.join({workdir!r}, ".shards", str(k), "autograded", "linker", "flow_matching")
        for k in range(4)] + [os.path.join({workdir!r}, "autograded", "linker", "flow_matching")]:
    try:
        if target.endswith("flow_matching"):
            os.makedirs(target, exist_ok=True)
            os.symlink({victim!r}, os.path.join(target, "flow_matching.ipynb"))
            os.symlink({secret!r}, os.path.join(target, "leak.txt"))
        else:
            os.symlink({secret!r}, target)
    except OSError as exc:
        print("refused", target, type(exc).__name__)
"""

SNOOP = """
import json, os
marker = "BEGIN " + "HIDDEN TESTS"
line = bytes.fromhex({line_hex!r}).decode()
others = [bytes.fromhex(h).decode() for h in {others_hex!r}]
found = {{"cwd": sorted(os.listdir(".")), "parent": sorted(os.listdir("..")), "hidden": [], "others": []}}
paths = []
for top in [".", "..", {workdir!r}, "/tmp"]:
    for root, dirs, files in os.walk(top):
        if root.count(os.sep) - top.count(os.sep) > 4:
            continue
        paths += [os.path.join(root, f) for f in files]
for path in paths:
    found["others"] += [path for o in others if o in path]
    try:
        with open(path, errors="replace") as f:
            text = f.read(2_000_000)
    except OSError:
        continue
    if marker in text or line in text:
        found["hidden"].append(path)
    found["others"] += [path for o in others if o in text]
found["n_files"] = len(paths)
print("SNOOP:" + json.dumps(found))
"""


def leaker_answers(hidden: list[str]) -> dict[str, str]:
    """Solution cells that send hidden lines back, each a different way."""
    plain, rev, b64 = hidden[0], hidden[1][::-1], base64.b64encode(hidden[2].encode()).decode()
    cls = "X" + hidden[3].encode().hex()[:120]
    return {
        "sample_conditional_path": (f"print({hidden[4]!r})\nprint({hidden[5][::-1]!r})\n"
                                    f"def sample_conditional_path(x0, x1, t):\n    raise ValueError({plain!r})\n"),
        "cfm_loss": f"def cfm_loss(velocity, x0, x1, t):\n    raise RuntimeError({rev!r})\n",
        "solver_steps": (f"def euler_step(velocity, x, t, h):\n    raise ValueError({b64!r})\n\n\n"
                         f"def midpoint_step(velocity, x, t, h):\n    raise ValueError('see ' + {b64!r})\n"),
        "integrate": (f"class {cls}(Exception):\n    pass\n\n\n"
                      f"def integrate(velocity, x0, n_steps, method='euler', t0=0.0, t1=1.0, return_path=False):\n"
                      f"    raise {cls}('x')\n"),
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("escape")
    subs, workdir, grades = root / "subs", root / "course", root / "grades.csv"
    outside = root / "outside"
    outside.mkdir()
    subs.mkdir()
    victim, secret = outside / "victim.txt", outside / "secret.txt"
    victim.write_text("the instructor's file\n")
    marker = f"OUTSIDE-SECRET-{uuid.uuid4().hex}"
    secret.write_text(marker + "\n")

    # The student version as the grader releases it now (labs/ may lag behind solutions/).
    rel = run_grader("release", LAB, "--dest", root / "release")
    assert rel.returncode == 0, rel.stderr
    student_nb = root / "release" / LAB / f"{LAB}.ipynb"
    released, source = read_notebook(student_nb), read_notebook(SOURCE_NB)
    reference = fill_solutions(released, source)
    from grader.mutants import load_mutants, mutated_code

    mutant = next(m for m in load_mutants(LAB) if m.name == "target_flipped")
    hidden = hidden_lines()
    nbformat.write(reference, subs / "ref-a.ipynb")
    nbformat.write(fill_solutions(released, source, {mutant.cell: mutated_code(source, mutant)}),
                   subs / "mut-b.ipynb")
    nbformat.write(with_cell(reference, LINKER.format(victim=str(victim), secret=str(secret),
                                                      workdir=str(workdir))), subs / "linker.ipynb")
    others = [s.encode().hex() for s in ("ref-a", "mut-b", "leaker", "untouched")]
    nbformat.write(with_cell(reference, SNOOP.format(line_hex=hidden[0].encode().hex(), others_hex=others,
                                                     workdir=str(workdir))), subs / "snoop.ipynb")
    leaker = reference
    for gid, code in leaker_answers(hidden).items():
        leaker = with_answer(leaker, gid, code)
    nbformat.write(leaker, subs / "leaker.ipynb")
    shutil.copyfile(student_nb, subs / "untouched.ipynb")
    (subs / "tim").mkdir()
    nbformat.write(reference, subs / "tim" / f"{LAB}.ipynb")
    (subs / "tim" / "timestamp.txt").write_text("the day after the deadline")
    (subs / "carol.ipynb").write_text('{"cells": [')

    proc = run_grader("autograde", LAB, subs, "--workdir", workdir, "--csv", grades, "--jobs", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    first = {r["student_id"]: r for r in csv.DictReader(grades.open())}
    # A second batch, of one rejected file: it must keep the first batch's logs and rows.
    later = root / "later"
    later.mkdir()
    (later / "zed.ipynb").write_bytes(b"\x89PNG\r\n")
    proc2 = run_grader("autograde", LAB, later, "--workdir", workdir, "--csv", root / "later.csv")
    assert proc2.returncode == 0, proc2.stdout[-3000:] + proc2.stderr[-3000:]
    for student in GRADED:                            # whatever the scan thought of them
        run_grader("accept", LAB, student, "--workdir", workdir)
    fb = run_grader("feedback", LAB, "--workdir", workdir)
    assert fb.returncode == 0, fb.stdout + fb.stderr
    return dict(root=root, workdir=workdir, first=first, student_nb=student_nb, victim=victim, marker=marker, hidden=hidden,
                feedback=fb.stdout, later=proc2.stdout)


def files_under(folder: Path):
    for root, dirs, files in os.walk(folder):        # never follows links
        for name in dirs + files:
            yield Path(root) / name


def test_a_link_left_in_the_kernels_folder_is_never_written_through(batch):
    assert batch["victim"].read_text() == "the instructor's file\n"
    assert batch["first"]["linker"]["status"] in ("graded", "review"), batch["first"]["linker"]
    graded = batch["workdir"] / "autograded" / "linker" / LAB / f"{LAB}.ipynb"
    assert graded.is_file() and not graded.is_symlink()


def test_no_link_and_no_outside_file_reaches_the_grading_folder_or_the_feedback(batch):
    links = [p for p in files_under(batch["workdir"]) if p.is_symlink()]
    assert not links, links
    leaked = [p for p in files_under(batch["workdir"])
              if p.is_file() and batch["marker"] in p.read_text(errors="replace")]
    assert not leaked, leaked
    assert sorted(p.name for p in (batch["workdir"] / "autograded" / "linker" / LAB).iterdir()) == [f"{LAB}.ipynb"]


def test_the_kernel_sees_only_its_own_notebook_no_hidden_test_and_no_other_student(batch):
    nb = read_notebook(batch["workdir"] / "autograded" / "snoop" / LAB / f"{LAB}.ipynb")
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    found = json.loads(re.search(r"SNOOP:(.*)", text).group(1))
    assert found["cwd"] == [f"{LAB}.ipynb"], found
    assert found["hidden"] == [] and found["others"] == [], found
    assert found["n_files"] >= 1, found


def page_parts(page: Path) -> tuple[str, str]:
    """The whole page as a reader sees it, and only the grader's words (summary and verdicts)."""
    raw = page.read_text()
    text = html.unescape(re.sub(r"<[^>]+>", "", raw))
    verdicts = re.findall(rf'<div class="{VERDICT_CLASS}[^"]*">(.*?)</div></div>', raw, re.S)
    summary = re.search(r'<table class="summary">(.*?)</table>', raw, re.S).group(1)
    ours = html.unescape(re.sub(r"<[^>]+>", " ", summary + " ".join(verdicts)))
    return text, ours


def encodings(line: str) -> list[str]:
    return [line, line[::-1], base64.b64encode(line.encode()).decode()[:24], line.encode().hex()[:24]]


def test_no_hidden_line_reaches_a_page_however_the_submission_sends_it(batch):
    pages = {s: batch["workdir"] / "feedback" / s / LAB / f"{LAB}.html" for s in GRADED}
    for student, page in pages.items():
        assert page.is_file(), (student, batch["feedback"])
        text, ours = page_parts(page)
        assert HIDDEN_BEGIN not in text
        own = "\n".join(c.source for c in read_notebook(
            batch["workdir"] / "submitted" / student / LAB / f"{LAB}.ipynb").cells)
        shown = [ln for ln in batch["hidden"] if ln in text and ln not in own]
        assert not shown, (student, shown[:3])
        sent = [enc for ln in batch["hidden"] for enc in encodings(ln) if enc in ours]
        assert not sent, (student, sent[:3])
    _, ours = page_parts(pages["leaker"])
    assert ours.count("its message is not shown") >= 3, ours
    assert "exception of your code's own class" in ours
    # An honest failure still says what is wrong, in the test's own words.
    _, mutant = page_parts(pages["mut-b"])
    assert "AssertionError: u_t must be x1 - x0 (from noise to data)" in mutant


def test_each_page_names_its_tests_and_their_functions_and_renders_maths_offline(batch):
    page = batch["workdir"] / "feedback" / "mut-b" / LAB / f"{LAB}.html"
    raw = page.read_text()
    assert '<a href="#test_cfm_loss">test_cfm_loss</a></td><td>cfm_loss' in raw
    assert 'id="test_cfm_loss"' in raw
    assert "cdn" not in raw.lower() and "https://" not in raw
    assert re.search(r'<script src="mathjax/tex-chtml-full.js"', raw)
    assert (page.parent / "mathjax" / "tex-chtml-full.js").is_file()
    assert (page.parent / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    # Each instruction once: the page of an untouched release has each markdown cell once.
    intro = read_notebook(batch["student_nb"]).cells[0].source.splitlines()[2]
    untouched = html.unescape(re.sub(r"<[^>]+>", "", (batch["workdir"] / "feedback" / "untouched" / LAB
                                                     / f"{LAB}.html").read_text()))
    assert untouched.count(intro[:40]) == 1


def test_an_untouched_release_is_graded_with_the_releases_cells(batch):
    released = read_notebook(batch["student_nb"])
    graded = read_notebook(batch["workdir"] / "autograded" / "untouched" / LAB / f"{LAB}.ipynb")
    assert [c.cell_type for c in graded.cells] == [c.cell_type for c in released.cells]
    assert float(batch["first"]["untouched"]["score"]) == 0


def test_a_crash_names_its_cause_in_the_row_and_keeps_its_log_across_runs(batch):
    row = batch["first"]["tim"]
    assert row["status"] == "error" and "Error" in row["detail"], row
    assert "There was an error" not in row["detail"]
    assert "logs/tim.log" in row["detail"]
    log = batch["workdir"] / "logs" / "tim.log"
    assert log.is_file() and "Traceback" in log.read_text()      # the second batch kept it


def test_every_student_has_one_row_in_every_file_report_writes(batch, tmp_path):
    proc = run_grader("report", LAB, "--workdir", batch["workdir"], "--csv", tmp_path / "g.csv", "--lms", "canvas")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    everyone = sorted(GRADED + ["tim", "carol", "zed"])
    rows = [r["student_id"] for r in csv.DictReader((tmp_path / "g.csv").open())]
    assert sorted(rows) == everyone
    canvas = list(csv.reader((batch["workdir"] / "report" / f"canvas-{LAB}.csv").open()))[2:]
    assert sorted(r[0] for r in canvas) == everyone
    assert {r[0]: r[5] for r in canvas}["carol"] == ""           # rejected: no score posted
    assert f"pass rate per test ({len(everyone)} submission(s))" in proc.stdout
    statuses = {r["student_id"]: r["status"] for r in csv.DictReader((tmp_path / "g.csv").open())}
    assert statuses["carol"] == statuses["zed"] == "rejected" and statuses["tim"] == "error"


def test_feedback_says_who_got_no_page_and_why(batch):
    out = batch["feedback"]
    assert re.search(r"carol\s+rejected: .*not valid notebook JSON", out), out
    assert re.search(r"tim\s+error: nbgrader could not grade", out), out
    assert re.search(r"zed\s+rejected", out), out

