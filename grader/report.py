"""Grade tables and the instructor's report: grades CSV, LMS import files, per-test pass rates, plots."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from grader.course import GraderError, source_notebook
from grader.nbgrader_run import Result
from grader.notebooks import grade_id, is_test_cell, read_notebook

# score is what the student gets: raw_score (what the tests gave) less late_penalty, the
# points the late policy of schedule.yml takes off a submission late_by_hours after the due date.
CSV_FIELDS = ["student_id", "lab", "score", "max_score", "status", "raw_score", "late_by_hours",
              "late_penalty", "detail"]


def write_csv(results: list[Result], path: Path) -> Path:
    """Write one row per submission. Written to a temporary file first, then renamed,
    so an interrupted run never leaves a half-written grade file behind."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in results:
            raw = r.raw_score if r.raw_score is not None else r.score
            w.writerow({"student_id": r.student, "lab": r.lab, "score": f"{r.score:g}",
                        "max_score": f"{r.max_score:g}", "status": r.status, "raw_score": f"{raw:g}",
                        "late_by_hours": f"{r.late_seconds / 3600:.2f}" if r.late_seconds > 0 else "0",
                        "late_penalty": f"{r.late_penalty:g}", "detail": r.detail})
    tmp.replace(path)
    return path


def format_table(results: list[Result], title: str = "") -> str:
    name_w = max([len("student")] + [len(r.student) for r in results])
    lines = [title] if title else []
    lines.append(f"{'student':<{name_w}}  {'score':>11}  status")
    for r in results:
        score = f"{r.score:g}/{r.max_score:g}"
        extra = f"  {r.detail}" if r.detail else ""
        lines.append(f"{r.student:<{name_w}}  {score:>11}  {r.status}{extra}")
    return "\n".join(lines)


# --- Grades in the shape an LMS imports ------------------------------------------------------
#
# canvas: Canvas' gradebook import (the shape of its gradebook export):
#     Student,ID,SIS User ID,SIS Login ID,Section,<column>
#     Points Possible,,,,,16
#     123456,123456,,,,12
#   Canvas finds a student by "ID" (the Canvas user id, which `collect --pattern
#   canvas` takes as the student id) or by "SIS Login ID": an all-digit student id
#   goes in the first, any other in the second. <column> is the assignment: its
#   exact Canvas title, or "Title (assignment id)", else Canvas makes a new one.
# moodle: Moodle's offline grading worksheet, matched on "Identifier":
#     Identifier,Full name,Grade,Maximum Grade
#     Participant 123456,,12,16
#   The number is the participant id in Moodle's download names, which
#   `collect --pattern moodle` takes as the student id.
# Only scores with status "graded" are written; a held or failed one is left
# blank, which both LMSs read as "no change", so no unreviewed grade is posted.

LMS_FORMATS = ("canvas", "moodle")


def write_lms_csv(results: list[Result], lab: str, lms: str, path: Path,
                  column: str | None = None) -> tuple[Path, list[str]]:
    """Write the grades for ``lms``; return the path and the students left out, with why."""
    if lms not in LMS_FORMATS:
        raise GraderError(f"--lms {lms!r}: choose one of {', '.join(LMS_FORMATS)}")
    max_score = max((r.max_score for r in results), default=0.0)
    left_out = []
    rows: list[list[str]] = []
    if lms == "canvas":
        rows.append(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column or lab])
        rows.append(["Points Possible", "", "", "", "", f"{max_score:g}"])
    else:
        rows.append(["Identifier", "Full name", "Grade", "Maximum Grade"])
    for r in results:
        score = f"{r.score:g}" if r.status == "graded" else ""
        if not score:
            left_out.append(f"{r.student}: no score given ({r.status}{': ' + r.detail if r.detail else ''})")
        if lms == "canvas":
            numeric = r.student.isdigit()
            rows.append([r.student, r.student if numeric else "", "", "" if numeric else r.student, "", score])
        elif r.student.isdigit():
            rows.append([f"Participant {r.student}", "", score, f"{r.max_score:g}"])
        else:
            left_out.append(f"{r.student}: not a Moodle participant id (digits), left out of the worksheet")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    tmp.replace(path)
    return path, left_out


# --- Per-test pass rates and plots for the instructor ------------------------------------------

@dataclass
class PassRate:
    name: str
    points: float
    passed: int        # full marks
    partial: int       # some but not all points
    graded: int        # submissions graded on this test
    mean: float        # mean points

    @property
    def rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def graded_cells(lab: str) -> list[str]:
    """Grade ids of the lab's test cells, in notebook order (tables and plots follow it)."""
    try:
        nb = read_notebook(source_notebook(lab))
    except GraderError:
        return []
    return [grade_id(c) for c in nb.cells if is_test_cell(c)]


def pass_rates(results: list[Result], order: list[str] = ()) -> list[PassRate]:
    """Pass rate of every test over the submissions graded on it, in ``order`` first."""
    names = list(order) + sorted({t for r in results for t in r.tests} - set(order))
    stats = []
    for name in names:
        scores = [r.tests[name] for r in results if name in r.tests]
        if not scores:
            continue
        points = max(m for _, m in scores)
        stats.append(PassRate(name, points, sum(s >= m for s, m in scores),
                               sum(0 < s < m for s, m in scores), len(scores),
                               sum(s for s, _ in scores) / len(scores)))
    return stats


def format_pass_rates(stats: list[PassRate]) -> str:
    w = max([len("test")] + [len(s.name) for s in stats])
    lines = [f"{'test':<{w}}  {'points':>6}  {'passed':>9}  {'rate':>5}  {'partial':>7}  {'mean':>5}"]
    for s in stats:
        lines.append(f"{s.name:<{w}}  {s.points:>6g}  {f'{s.passed}/{s.graded}':>9}  {s.rate:>5.0%}  "
                     f"{s.partial:>7}  {s.mean:>5.2f}")
    return "\n".join(lines)


def write_pass_rates_csv(stats: list[PassRate], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["test", "points", "passed", "partial", "graded", "pass_rate", "mean_points"])
        for s in stats:
            w.writerow([s.name, f"{s.points:g}", s.passed, s.partial, s.graded, f"{s.rate:.4f}", f"{s.mean:.4f}"])
    tmp.replace(path)
    return path


def _figure(width: float, height: float):
    # A Figure on its own Agg canvas: no pyplot, no global backend switch, works headless.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_scores(results: list[Result], lab: str, path: Path) -> Path:
    """Histogram of the total scores, one bar per possible score when the scale is small."""
    import numpy as np

    scores = np.array([r.score for r in results], dtype=float)
    top = max((r.max_score for r in results), default=1.0) or 1.0
    if top <= 40 and float(top).is_integer():
        bins = np.arange(-0.5, top + 1.0, 1.0)
    else:
        bins = np.linspace(0.0, top, 21)
    fig = _figure(6.4, 3.6)
    ax = fig.add_subplot()
    ax.hist(scores, bins=bins, color="#4C72B0", edgecolor="white")
    mean, median = float(scores.mean()), float(np.median(scores))
    ax.axvline(mean, color="#DD8452", lw=2, label=f"mean {mean:.1f}")
    ax.axvline(median, color="#55A868", lw=2, ls="--", label=f"median {median:g}")
    ax.set_xlim(bins[0], bins[-1])
    ax.set_xlabel(f"score (out of {top:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{lab}: scores of {len(scores)} submission(s)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False)
    fig.savefig(path)
    return Path(path)


def plot_pass_rates(stats: list[PassRate], lab: str, path: Path) -> Path:
    """One horizontal bar per test, in notebook order from the top, labelled passed/graded."""
    fig = _figure(6.4, 1.2 + 0.42 * len(stats))
    ax = fig.add_subplot()
    y = list(range(len(stats)))[::-1]
    ax.barh(y, [100 * s.rate for s in stats], color="#4C72B0", height=0.6, label="full marks")
    ax.barh(y, [100 * s.partial / s.graded for s in stats], left=[100 * s.rate for s in stats],
            color="#CCB974", height=0.6, label="partial credit")
    for yi, s in zip(y, stats):
        label = f"{s.passed}/{s.graded}" + (f" (+{s.partial} partial)" if s.partial else "")
        ax.text(100 * (s.passed + s.partial) / s.graded + 1.5, yi, label, va="center", fontsize=8)
    ax.set_yticks(y, [f"{s.name} ({s.points:g} pt)" for s in stats])
    ax.set_xlim(0, 125)                   # room for the labels right of a full bar
    ax.spines["bottom"].set_bounds(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("submissions with full marks (%)")
    ax.set_title(f"{lab}: pass rate per test")
    ax.spines[["top", "right"]].set_visible(False)
    if any(s.partial for s in stats):
        fig.legend(frameon=False, loc="outside lower center", ncols=2, fontsize=8)
    fig.savefig(path)
    return Path(path)


def write_instructor_report(results: list[Result], lab: str, outdir: Path) -> tuple[list[PassRate], list[Path]]:
    """Per-test pass rates (CSV) and the two plots, in ``outdir``; returns the rates and the files."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    stats = pass_rates(results, graded_cells(lab))
    files = [write_pass_rates_csv(stats, outdir / f"pass-rates-{lab}.csv")]
    if results:
        files.append(plot_scores(results, lab, outdir / f"scores-{lab}.png"))
    if stats:
        files.append(plot_pass_rates(stats, lab, outdir / f"pass-rates-{lab}.png"))
    return stats, files
