"""Running the real nbgrader, headless, in a throw-away course folder.

nbgrader expects one course folder holding the source, the release, the
submissions and a gradebook. The repository keeps only ``solutions/`` (the
source) and ``labs/`` (the release); everything else is made per run in a work
folder that the caller owns, so grading never writes into the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import LABS, SOLUTIONS, GraderError, check_id, check_lab
from grader.notebooks import read_notebook

DEFAULT_CELL_TIMEOUT = 60  # seconds; a lab's slowest cell takes a few seconds when graded


def nbgrader_config(release_dir: Path, db_path: Path, cell_timeout: int) -> str:
    return f"""\
# Written by `python -m grader`; see grader/nbgrader_config.py for the course settings.
c = get_config()
load_subconfig({str(Path(__file__).with_name("nbgrader_config.py"))!r})
c.CourseDirectory.source_directory = {str(SOLUTIONS)!r}
c.CourseDirectory.release_directory = {str(release_dir)!r}
c.CourseDirectory.db_url = {"sqlite:///" + str(db_path)!r}
c.Execute.timeout = {int(cell_timeout)}
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # Kernels named "python3" must be this environment's Python (where genmod is
    # installed), even if the user has another "python3" kernelspec of their own.
    share = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (share, env.get("JUPYTER_PATH")) if p)
    # nbgrader runs the `alembic` script of this environment to set up the gradebook.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_nbgrader(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=workdir, env=_env(),
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise GraderError(f"nbgrader {args[0]} failed (exit {proc.returncode}):\n{tail}")
    return proc


def prepare_workdir(workdir: Path, release_dir: Path | None = None,
                    cell_timeout: int = DEFAULT_CELL_TIMEOUT) -> Path:
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    release_dir = Path(release_dir).resolve() if release_dir else workdir / "release"
    (workdir / "nbgrader_config.py").write_text(
        nbgrader_config(release_dir, workdir / "gradebook.db", cell_timeout))
    return workdir


def release(lab: str, workdir: Path, dest: Path = LABS) -> Path:
    """``nbgrader generate_assignment``: write the student version of ``lab`` into ``dest/lab``.

    Also records the lab, with its hidden tests, in the work folder's gradebook.
    """
    check_lab(lab)
    workdir = prepare_workdir(workdir, release_dir=dest)
    run_nbgrader(workdir, "generate_assignment", lab, "--force")
    return Path(dest) / lab


@dataclass
class Submission:
    student: str
    path: Path | None            # None when the submission was rejected before grading
    problem: str = ""            # why it was rejected


@dataclass
class Result:
    student: str
    lab: str
    score: float
    max_score: float
    status: str                  # "graded", "rejected" or "error"
    detail: str = ""
    tests: dict[str, tuple[float, float]] = field(default_factory=dict)


def find_submissions(folder: Path, lab: str) -> list[Submission]:
    """Submissions in ``folder``: ``<student>.ipynb`` or ``<student>/<lab>.ipynb``.

    A file that cannot be a submission is not skipped silently: it comes back
    as a rejected submission with the reason, so the report lists it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GraderError(f"{folder}: no such folder of submissions")
    found: list[Submission] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.stem if entry.is_file() else entry.name
        try:
            check_id("student id", student)
        except GraderError as exc:
            found.append(Submission(student, None, str(exc)))
            continue
        if entry.is_file():
            if entry.suffix != ".ipynb":
                found.append(Submission(student, None, f"{entry.name}: not a notebook (.ipynb)"))
            else:
                found.append(Submission(student, entry))
            continue
        expected = entry / f"{lab}.ipynb"
        notebooks = sorted(entry.glob("*.ipynb"))
        if expected.is_file():
            found.append(Submission(student, expected))
        elif len(notebooks) == 1:
            found.append(Submission(student, notebooks[0]))
        elif not notebooks:
            found.append(Submission(student, None, f"{entry.name}/: no notebook inside"))
        else:
            names = ", ".join(n.name for n in notebooks)
            found.append(Submission(student, None,
                                    f"{entry.name}/: several notebooks ({names}) and none is {lab}.ipynb"))
    return found


def autograde(lab: str, submissions: list[Submission], workdir: Path,
              cell_timeout: int = DEFAULT_CELL_TIMEOUT) -> list[Result]:
    """Grade every submission of ``lab`` with the hidden tests through ``nbgrader autograde``.

    Unreadable notebooks are rejected before nbgrader sees them; a submission
    whose grading crashes is reported as an error with zero points; neither
    stops the others.
    """
    check_lab(lab)
    workdir = prepare_workdir(workdir, cell_timeout=cell_timeout)
    results: dict[str, Result] = {}
    to_grade: list[str] = []
    for sub in submissions:
        if sub.student in results or sub.student in to_grade:
            raise GraderError(f"two submissions for student {sub.student!r}; keep one")
        problem = sub.problem
        if sub.path is not None and not problem:
            try:
                read_notebook(sub.path)
            except GraderError as exc:
                problem = str(exc)
        if problem:
            results[sub.student] = Result(sub.student, lab, 0.0, 0.0, "rejected", problem)
            continue
        dest = workdir / "submitted" / sub.student / lab
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        shutil.copyfile(sub.path, dest / f"{lab}.ipynb")
        to_grade.append(sub.student)

    # Records the lab and its hidden tests in this work folder's gradebook.
    run_nbgrader(workdir, "generate_assignment", lab, "--force")
    proc = None
    if to_grade:
        # Exit status 1 only means some submission failed; the gradebook says which.
        proc = run_nbgrader(workdir, "autograde", lab, "--force", check=False)
    graded = read_gradebook(workdir, lab)
    max_score = lab_max_score(workdir, lab)
    for student in to_grade:
        if student in graded:
            results[student] = graded[student]
        else:
            results[student] = Result(student, lab, 0.0, max_score, "error",
                                      _failure_reason(proc, student))
    for r in results.values():
        if r.status == "rejected":
            r.max_score = max_score
    return [results[s.student] for s in submissions]


def _failure_reason(proc: subprocess.CompletedProcess | None, student: str) -> str:
    log = (proc.stdout + proc.stderr) if proc else ""
    lines = [ln.strip() for ln in log.splitlines() if student in ln and "rror" in ln]
    return lines[-1][:300] if lines else "nbgrader could not grade this submission"


def lab_max_score(workdir: Path, lab: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(workdir) / 'gradebook.db'}") as gb:
        return float(gb.find_assignment(lab).max_score)


def read_gradebook(workdir: Path, lab: str) -> dict[str, Result]:
    """Scores of every graded submission of ``lab`` in the work folder's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, Result] = {}
    with Gradebook(f"sqlite:///{Path(workdir) / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission(lab, student.id)
            except MissingEntry:
                continue
            tests = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    tests[grade.name] = (float(grade.score), float(grade.max_score))
            out[student.id] = Result(student.id, lab, float(sub.score), float(sub.max_score),
                                     "graded", tests=tests)
    return out
