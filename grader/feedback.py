"""Feedback for students: one HTML page per graded notebook, without the hidden tests' code.

``nbgrader generate_feedback`` renders the autograded notebook, and that
notebook holds the hidden tests in full: nbgrader restores every test cell from
the gradebook before grading (nbgrader issues #917, #1363). A student who reads
them can write to the tests next year. So, by default, the rendering goes
through :class:`HideHiddenTests`, an nbconvert preprocessor that works on the
in-memory copy nbgrader renders (the autograded notebook on disk and the
gradebook are never touched). For each test cell the student sees

* the visible asserts they already had, with the hidden region replaced by a
  one-line note;
* its score, and whether it passed, failed or earned partial credit;
* for a failure, the exception's one-line message (``AssertionError: u_t must
  be x1 - x0``), but not the traceback, which quotes the lines of the test
  around the failing one.

Written pages are checked afterwards: a page still showing a hidden-test
delimiter, or lacking the verdicts the preprocessor adds (as it would if
nbgrader could not load it), is deleted and reported, never handed out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

from grader.course import GraderError, check_lab
from grader.notebooks import is_test_cell, nbgrader_meta

# nbgrader's ClearHiddenTests finds its delimiters as substrings of a line; so do we.
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
HIDDEN_NOTE = "# ... hidden tests (graded, not shown) ..."
# Every rendered test cell carries this class; its absence means the preprocessor did not run.
VERDICT_CLASS = "grader-verdict"
# The configuration that puts the preprocessor into nbgrader's feedback pipeline.
FEEDBACK_CONFIG = Path(__file__).with_name("feedback_config.py")


def split_hidden(source: str) -> tuple[str, list[str]]:
    """``source`` with each hidden region replaced by :data:`HIDDEN_NOTE`, and the hidden lines.

    A region whose end marker is missing runs to the end of the cell: when in
    doubt, hide.
    """
    shown, hidden, inside = [], [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            if not inside:
                indent = line[: len(line) - len(line.lstrip())]
                shown.append(indent + HIDDEN_NOTE)
            inside = True
        elif HIDDEN_END in line and inside:
            inside = False
        elif inside:
            hidden.append(line)
        else:
            shown.append(line)
    return "\n".join(shown), hidden


def _redact_stream(text: str, hidden: list[str]) -> str:
    # A warning raised by a hidden test prints the offending source line; hide those lines.
    secret = {line.strip() for line in hidden if line.strip()}
    return "".join("  [line of a hidden test]\n" if ln.strip() in secret else ln
                   for ln in text.splitlines(keepends=True))


def _verdict(meta: dict):
    score, points = float(meta.get("score") or 0), float(meta.get("points") or 0)
    if score >= points:
        word, style = "passed", "success"
    elif score > 0:
        word, style = "partial credit", "warning"
    else:
        word, style = "failed", "danger"
    return new_output("display_data", data={
        "text/plain": f"{word}: {score:g} of {points:g} points",
        "text/html": f'<div class="alert alert-{style} {VERDICT_CLASS}" style="margin: 0.3em 0; '
                     f'padding: 0.4em 0.8em"><b>Test {html.escape(word)}</b>: {score:g} of {points:g} points</div>'})


class HideHiddenTests(Preprocessor):
    """Hide the hidden tests' code from a feedback page; keep each test's verdict and message.

    Runs after nbgrader's ``GetGrades``, which puts each cell's score into its metadata.
    """

    # nbconvert skips a preprocessor that is not enabled, silently; this one is always on.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        # Any cell that has a hidden region loses it, test cell or not: when in doubt, hide.
        cell.source, hidden = split_hidden(cell.source)
        if not is_test_cell(cell):
            return cell, resources
        outputs = [_verdict(nbgrader_meta(cell))]
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                # The traceback quotes the test's source; the last line says what failed.
                out.traceback = [f"{out.ename}: {out.evalue}" if out.evalue else out.ename]
            elif out.output_type == "stream":
                out.text = _redact_stream(out.text, hidden)
            outputs.append(out)
        cell.outputs = outputs
        return cell, resources


@dataclass
class FeedbackRun:
    lab: str
    written: dict[str, Path] = field(default_factory=dict)     # student -> feedback page
    problems: dict[str, str] = field(default_factory=dict)     # student -> why there is none


def feedback_page(workdir: Path, student: str, lab: str) -> Path:
    return Path(workdir) / "feedback" / student / lab / f"{lab}.html"


def _autograded(workdir: Path, student: str, lab: str) -> Path:
    return Path(workdir) / "autograded" / student / lab / f"{lab}.ipynb"


def known_students(workdir: Path, lab: str) -> list[str]:
    """Everyone the work folder has seen for ``lab``: submitted, autograded or in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    workdir = Path(workdir)
    found = {p.parent.name for stage in ("submitted", "autograded")
             for p in workdir.glob(f"{stage}/*/{lab}") if p.is_dir()}
    with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                gb.find_submission(lab, student.id)
            except MissingEntry:
                continue
            found.add(student.id)
    return sorted(found)


def _leaks(page: Path) -> str:
    """Why a page written with the hiding preprocessor must not go to a student, or ''."""
    text = page.read_text(errors="replace")
    if HIDDEN_BEGIN in text:
        return "the page still shows hidden tests"
    if VERDICT_CLASS not in text:
        return "the hidden-test filter did not run (see nbgrader's log)"
    return ""


def generate_feedback(lab: str, workdir: Path, show_hidden: bool = False) -> FeedbackRun:
    """Write ``<workdir>/feedback/<student>/<lab>/<lab>.html`` for every autograded student.

    A student with no autograded notebook (grading crashed, or it never ran) is
    reported in the result's ``problems``, as is one whose page nbgrader could
    not render.
    """
    from grader.nbgrader_run import last_error_line, read_flags, run_nbgrader

    check_lab(lab)
    workdir = Path(workdir).resolve()
    if not (workdir / "gradebook.db").is_file():
        raise GraderError(f"{workdir}: no gradebook here; run `python -m grader autograde {lab} ...` first")
    students = known_students(workdir, lab)
    if not students:
        raise GraderError(f"{workdir}: no submissions of {lab} here; run `python -m grader autograde` first")
    run = FeedbackRun(lab)
    ready = []
    # A page shows the autograded score: none for a score still held for review.
    held = {s for s, entry in read_flags(workdir).get(lab, {}).items() if not entry.get("accepted")}
    for s in students:
        if s in held:
            feedback_page(workdir, s, lab).unlink(missing_ok=True)
            run.problems[s] = f"held for review: no feedback until `python -m grader accept {lab} {s}`"
        elif _autograded(workdir, s, lab).is_file():
            ready.append(s)
            # A page left from an earlier run must not pass for this run's output.
            feedback_page(workdir, s, lab).unlink(missing_ok=True)
        else:
            run.problems[s] = "no autograded notebook (grading failed or never ran for this student)"
    if not ready:
        return run

    args = ["generate_feedback", lab, "--force"]
    if not show_hidden:
        args.append(f"--JupyterApp.config_file={FEEDBACK_CONFIG}")
    proc = run_nbgrader(workdir, *args, check=False)
    log = proc.stdout + proc.stderr
    for s in ready:
        page = feedback_page(workdir, s, lab)
        if not page.is_file():
            line = last_error_line(log, s)
            run.problems[s] = "nbgrader could not render feedback" + (f": {line[:200]}" if line else "")
            continue
        leak = "" if show_hidden else _leaks(page)
        if leak:
            page.unlink()
            run.problems[s] = f"feedback withheld: {leak}"
            continue
        run.written[s] = page
    for s in held:  # nbgrader renders every autograded notebook, these included
        feedback_page(workdir, s, lab).unlink(missing_ok=True)
    return run


def format_run(run: FeedbackRun, workdir: Path) -> str:
    lines = [f"feedback for {len(run.written)} student(s) of {run.lab} in {Path(workdir) / 'feedback'}:"]
    lines += [f"  {s:<24} {p}" for s, p in sorted(run.written.items())]
    if run.problems:
        lines.append(f"no feedback for {len(run.problems)} student(s):")
        lines += [f"  {s:<24} {why}" for s, why in sorted(run.problems.items())]
    return "\n".join(lines)
