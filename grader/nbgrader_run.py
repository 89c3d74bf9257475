"""Running the real nbgrader, headless, in a throw-away course folder.

nbgrader expects one course folder holding the source, the release, the
submissions and a gradebook. The repository keeps only ``solutions/`` (the
source) and ``labs/`` (the release); everything else is made per run in a work
folder that the caller owns, so grading never writes into the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from grader.course import LABS, REPO, SOLUTIONS, GraderError, check_id, check_lab
from grader.notebooks import canonicalise, read_notebook

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
    timestamp: str = ""          # when it was submitted (nbgrader's format), if known

    def when(self) -> str:
        """Sort key for 'the latest submission wins': the recorded timestamp, else the file's mtime."""
        if self.timestamp:
            return self.timestamp
        if self.path is not None and self.path.exists():
            return datetime.fromtimestamp(self.path.stat().st_mtime, timezone.utc).strftime(TIMESTAMP_FORMAT)
        return ""


@dataclass
class Result:
    student: str
    lab: str
    score: float
    max_score: float
    status: str                  # "graded", "review" (held: see detail), "rejected" or "error"
    detail: str = ""
    tests: dict[str, tuple[float, float]] = field(default_factory=dict)
    raw_score: float | None = None   # what autograde gave, when held for review or late
    late_seconds: float = 0.0        # after the due date
    late_penalty: float = 0.0        # points taken off by the late policy (schedule.yml)


TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f %Z"


def _read_timestamp(folder: Path) -> str:
    ts = folder / "timestamp.txt"
    try:
        return ts.read_text().strip()[:64] if ts.is_file() and not ts.is_symlink() else ""
    except (OSError, UnicodeDecodeError):
        return ""


def find_submissions(folder: Path, lab: str) -> list[Submission]:
    """Submissions in ``folder``: ``<student>.ipynb``, ``<student>/<lab>.ipynb`` or nbgrader's
    ``<student>/<lab>/<lab>.ipynb``; a ``timestamp.txt`` beside the notebook is kept.

    A file that cannot be a submission is not skipped silently: it comes back
    as a rejected submission with the reason, so the report lists it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise GraderError(f"{folder}: no such folder of submissions")
    found: list[Submission] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name in {"collect-report.csv"}:
            continue
        student = entry.stem if entry.is_file() else entry.name
        try:
            check_id("student id", student)
        except GraderError as exc:
            found.append(Submission(student, None, str(exc)))
            continue
        if entry.is_symlink():
            found.append(Submission(student, None, f"{entry.name}: a symbolic link, not a submission"))
            continue
        if entry.is_file():
            if entry.suffix != ".ipynb":
                found.append(Submission(student, None, f"{entry.name}: not a notebook (.ipynb)"))
            else:
                found.append(Submission(student, entry))
            continue
        inner = entry / lab if (entry / lab / f"{lab}.ipynb").is_file() else entry
        expected = inner / f"{lab}.ipynb"
        notebooks = sorted(inner.glob("*.ipynb"))
        stamp = _read_timestamp(inner)
        links = [n.name for n in (expected, *notebooks) if n.is_symlink()]
        if links or inner.is_symlink():
            found.append(Submission(student, None, f"{entry.name}/: {links[0] if links else lab}: "
                                                   f"a symbolic link, not a submission"))
            continue
        if expected.is_file():
            found.append(Submission(student, expected, timestamp=stamp))
        elif len(notebooks) == 1:
            found.append(Submission(student, notebooks[0], timestamp=stamp))
        elif not notebooks:
            found.append(Submission(student, None, f"{entry.name}/: no notebook inside"))
        else:
            names = ", ".join(n.name for n in notebooks)
            found.append(Submission(student, None,
                                    f"{entry.name}/: several notebooks ({names}) and none is {lab}.ipynb"))
    return found


def _latest_per_student(submissions: list[Submission]) -> tuple[list[Submission], dict[str, str]]:
    """One submission per student, the latest; and a note for those who sent several."""
    by_student: dict[str, list[Submission]] = {}
    for sub in submissions:
        by_student.setdefault(sub.student, []).append(sub)
    kept, notes = [], {}
    for student, subs in by_student.items():
        usable = [s for s in subs if s.path is not None and not s.problem] or subs
        best = max(usable, key=lambda s: s.when())
        kept.append(best)
        if len(subs) > 1:
            others = ", ".join(str(s.path.name if s.path else s.problem) for s in subs if s is not best)
            notes[student] = f"{len(subs)} submissions: graded the latest, ignored {others}"
    return kept, notes


def autograde(lab: str, submissions: list[Submission], workdir: Path,
              cell_timeout: int = DEFAULT_CELL_TIMEOUT, jobs: int | None = None,
              sandbox: str = "auto", due: str | None = None, late_policy=None,
              log=None) -> list[Result]:
    """Grade every submission of ``lab`` with the hidden tests through ``nbgrader autograde``.

    One result per student, in the order of ``submissions``. Unreadable notebooks
    are rejected before nbgrader sees them; a submission whose grading crashes is
    reported as an error with zero points; a submission with code that could fool
    the tests (``grader.tamper``) is graded but its score is held for review; none
    of these stops the others. The submissions are split into ``jobs`` shards
    graded in parallel, each by its own ``nbgrader autograde`` with its own copy
    of the gradebook; the shards' grades are then merged into the work folder's
    gradebook, which is replaced in one step, so an interrupted run leaves the
    previous gradebook intact.

    ``due`` (a date nbgrader parses) marks late submissions; ``late_policy`` (a
    ``grader.schedule.LatePolicy``) takes points off them, here and in every later
    ``report`` and ``feedback`` of this work folder.
    """
    from grader.sandbox import resolve_mode
    from grader.tamper import off_limits, scan_notebook

    check_lab(lab)
    say = log or (lambda msg: None)
    mode = resolve_mode(sandbox)
    workdir = prepare_workdir(workdir, cell_timeout=cell_timeout)
    submissions, notes = _latest_per_student(submissions)
    # Records the lab and its hidden tests in this work folder's gradebook, and
    # releases it afresh: submissions are laid out on this release.
    run_nbgrader(workdir, "generate_assignment", lab, "--force")
    released = read_notebook(workdir / "release" / lab / f"{lab}.ipynb")
    results: dict[str, Result] = {}
    flags: dict[str, list[str]] = {}
    to_grade: list[str] = []
    to_scan: dict[str, nbformat.NotebookNode] = {}
    for sub in submissions:
        problem = sub.problem
        nb = None
        if sub.path is not None and not problem:
            try:
                nb = read_notebook(sub.path)
            except GraderError as exc:
                problem = str(exc)
        if problem:
            results[sub.student] = Result(sub.student, lab, 0.0, 0.0, "rejected", problem)
            continue
        nb, restored = canonicalise(nb, released)
        # Scanned while the shards grade (its verdict is needed only afterwards): what
        # the kernel will run, the release's locked and test cells put back.
        to_scan[sub.student] = nb
        if restored:
            notes[sub.student] = "; ".join([*restored, notes.get(sub.student, "")]).strip("; ")
        dest = workdir / "submitted" / sub.student / lab
        if dest.exists():
            shutil.rmtree(dest)
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / f"{lab}.ipynb")
        if sub.timestamp:
            (dest / "timestamp.txt").write_text(sub.timestamp)
        to_grade.append(sub.student)

    if due:
        set_due_date(workdir, lab, due)
        record_deadline(workdir, lab, due, late_policy)
    limits = off_limits(released)

    def scan() -> None:
        for student, nb in to_scan.items():
            findings = scan_notebook(nb, limits)
            if findings:
                flags[student] = sorted({str(f) for f in findings})

    failures: dict[str, str] = {}
    if to_grade:
        jobs = max(1, min(jobs or default_jobs(), len(to_grade)))
        say(f"grading {len(to_grade)} submission(s) in {jobs} parallel shard(s), sandbox: {mode}")
        if mode == "limits" and sandbox == "auto":
            say("note: bubblewrap is not available, so the kernels run with resource limits but can "
                "read files and reach the network (Debian/Ubuntu: apt-get install bubblewrap)")
        failures = _grade_in_shards(lab, to_grade, workdir, jobs, mode, cell_timeout, while_grading=scan)
    _write_flags(workdir, lab, to_grade, flags)
    graded = read_gradebook(workdir, lab)
    max_score = lab_max_score(workdir, lab)
    for student in to_grade:
        if student in graded and student not in failures:
            results[student] = graded[student]
        else:
            results[student] = Result(student, lab, 0.0, max_score, "error",
                                      failures.get(student, "nbgrader could not grade this submission"))
    for r in results.values():
        if r.status == "rejected":
            r.max_score = max_score
        if r.status == "error" and r.student in flags:
            # It broke the grading and it was flagged: the reviewer needs to see both.
            r.status = "review"
            r.detail = f"held for review: grading failed ({r.detail}); the code {flags[r.student][0]}"
        if r.student in notes:
            r.detail = "; ".join(x for x in (r.detail, notes[r.student]) if x)
    ordered = [results[s.student] for s in submissions]
    _record_batch(workdir, lab, ordered, notes)
    return ordered


BATCH_FILE = "batch.json"


def _record_batch(workdir: Path, lab: str, results: list[Result], notes: dict[str, str]) -> None:
    """Remember every student of the batch with their status, rejected and crashed ones
    included (the gradebook knows only the graded), so that `report` and `feedback` list
    each of them once. A student graded again gets the new entry; others keep theirs."""
    path = Path(workdir) / BATCH_FILE
    data = read_batch(workdir)
    lab_rec = data.setdefault(lab, {})
    for r in results:
        lab_rec[r.student] = {"status": r.status, "detail": r.detail, "note": notes.get(r.student, "")}
    _save_record(path, data)


def read_batch(workdir: Path) -> dict:
    return _read_record(Path(workdir) / BATCH_FILE, "record of the graded students", "delete it")


def current_results(workdir: Path, lab: str) -> list[Result]:
    """One result per student ever graded for ``lab`` in this work folder, sorted by id:
    the gradebook's score (held back while under review) for those nbgrader graded in
    their latest batch, the rejection or the crash, with zero points, for the others."""
    graded = read_gradebook(workdir, lab)
    record = read_batch(workdir).get(lab, {})
    out = dict(graded)
    max_score = None
    for student, entry in record.items():
        status = entry.get("status", "error")
        if student in graded and status in ("graded", "review"):
            note = entry.get("note", "")
            if note and note not in out[student].detail:
                out[student].detail = "; ".join(x for x in (out[student].detail, note) if x)
            continue
        if max_score is None:
            max_score = lab_max_score(workdir, lab)
        out[student] = Result(student, lab, 0.0, max_score, status, entry.get("detail", ""))
    return [out[s] for s in sorted(out)]


DEADLINE_FILE = "deadline.json"


def record_deadline(workdir: Path, lab: str, due: str, policy) -> None:
    """The due date and late policy of the latest grading, which `report` and `feedback` apply too."""
    data = read_deadlines(workdir)
    data[lab] = {"due": due, "late_policy": policy.as_dict() if policy is not None else None}
    _save_record(Path(workdir) / DEADLINE_FILE, data)


def read_deadlines(workdir: Path) -> dict:
    return _read_record(Path(workdir) / DEADLINE_FILE, "record of the due dates", "delete it")


def _late_policy(workdir: Path, lab: str):
    from grader.schedule import LatePolicy

    entry = read_deadlines(workdir).get(lab) or {}
    return LatePolicy.from_dict(entry["late_policy"]) if entry.get("late_policy") else None


def set_due_date(workdir: Path, lab: str, due: str) -> None:
    from nbgrader.api import Gradebook

    try:
        with Gradebook(f"sqlite:///{Path(workdir) / 'gradebook.db'}") as gb:
            gb.update_or_create_assignment(lab, duedate=due)
    except Exception as exc:  # nbgrader parses the date; say which input it was
        raise GraderError(f"--due {due!r}: not a date nbgrader understands ({exc})") from None


def _shard_config(shard: Path, release_dir: Path, cell_timeout: int, runtime: Path) -> str:
    from grader.sandbox import KERNEL_NAME

    return nbgrader_config(release_dir, shard / "gradebook.db", cell_timeout) + f"""
# Each submission runs in the grading kernel (grader/sandbox.py), which survives
# a kernel death (grader/execute.py). ZeroMQ over IPC sockets, because a kernel
# without a network cannot be reached over TCP; the sockets have a folder of their
# own, the only one beside its scratch folder that the kernel may write.
c.Execute.kernel_name = {KERNEL_NAME!r}
c.KernelManager.transport = "ipc"
c.KernelManager.ip = {str(runtime / "sockets" / "k")!r}
from grader.execute import ResilientExecute
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                    LimitOutput, SaveAutoGrades)
from nbconvert.preprocessors import ClearMetadataPreprocessor
c.Autograde.autograde_preprocessors = [ResilientExecute, IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties,
                                       CheckCellMetadata]
"""


def default_jobs() -> int:
    """Parallel shards: one more than the cores.

    A shard is a ping-pong between nbgrader and its kernel, and each submission
    starts a kernel, so one shard per core leaves the cores idle part of the time
    (measured with ``benchmarks/grading.py``: see the README).
    """
    return (os.cpu_count() or 1) + 1


def _grade_in_shards(lab: str, students: list[str], workdir: Path, jobs: int, mode: str,
                     cell_timeout: int, while_grading=None) -> dict[str, str]:
    """Run ``nbgrader autograde`` on ``jobs`` disjoint shards at once; merge their grades.

    ``while_grading()`` runs here while the shards grade. Returns ``{student: reason}``
    for the submissions nbgrader could not grade.
    """
    import tempfile

    from grader.sandbox import write_kernelspec

    shards_root = workdir / ".shards"
    shutil.rmtree(shards_root, ignore_errors=True)
    # The merge starts from the gradebook as it is now, so nothing done to the
    # work folder's gradebook while students' code runs can reach the result.
    snapshot = workdir / "gradebook.db.merging"
    shutil.copyfile(workdir / "gradebook.db", snapshot)
    groups = [students[k::jobs] for k in range(jobs)]
    procs = []
    runtimes = []
    for k, group in enumerate(groups):
        shard = shards_root / str(k)
        (shard / "submitted").mkdir(parents=True)
        for student in group:
            shutil.copytree(workdir / "submitted" / student, shard / "submitted" / student)
        shutil.copyfile(workdir / "gradebook.db", shard / "gradebook.db")
        # Sockets need a short path. The kernel sees its scratch folder and the sockets'
        # folder in here, never this shard's folder, where nbgrader writes the graded notebook.
        runtime = Path(tempfile.mkdtemp(prefix="gm-kernel-"))
        (runtime / "sockets").mkdir()
        runtimes.append(runtime)
        (shard / "nbgrader_config.py").write_text(
            _shard_config(shard, workdir / "release", cell_timeout, runtime))
        hide = sorted({REPO, workdir.resolve(), Path.home().resolve()}, key=str)
        write_kernelspec(shard / "jupyter", mode, hide, runtime)
        env = _env()
        env["JUPYTER_PATH"] = os.pathsep.join([str(shard / "jupyter"), env["JUPYTER_PATH"]])
        env["JUPYTER_RUNTIME_DIR"] = str(runtime)
        env["TMPDIR"] = str(runtime)  # where jupyter_client writes the connection file
        log = (shard / "autograde.log").open("w")
        procs.append((shard, group, log, subprocess.Popen(
            [sys.executable, "-m", "nbgrader", "autograde", lab, "--force"],
            cwd=shard, env=env, stdout=log, stderr=subprocess.STDOUT)))
    failures: dict[str, str] = {}
    try:
        if while_grading is not None:
            while_grading()
    finally:
        # Even if while_grading raised: no shard is left running.
        for shard, group, log, proc in procs:
            proc.wait()
            log.close()
    for shard, group, log, proc in procs:
        keep_logs(workdir, shard / "autograde.log", group)
    try:
        _merge_shards(lab, workdir, [(shard, group) for shard, group, _, _ in procs], failures)
    finally:
        for runtime in runtimes:
            shutil.rmtree(runtime, ignore_errors=True)
    return failures


def _merge_shards(lab: str, workdir: Path, shards: list[tuple[Path, list[str]]],
                  failures: dict[str, str]) -> None:
    """Copy each shard's grades into a copy of the gradebook, then swap it in atomically."""
    from nbgrader.api import Gradebook, MissingEntry

    main_db = workdir / "gradebook.db"
    tmp_db = workdir / "gradebook.db.merging"   # the snapshot taken before grading
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{tmp_db}") as gb:
        # nbgrader's own autoflush warnings while it creates a submission's rows.
        warnings.simplefilter("ignore", category=Warning)
        for shard, group in shards:
            log_text = (shard / "autograde.log").read_text(errors="replace")
            with Gradebook(f"sqlite:///{shard / 'gradebook.db'}") as sgb:
                for student in group:
                    autograded = shard / "autograded" / student / lab
                    try:
                        ssub = sgb.find_submission(lab, student)
                    except MissingEntry:
                        ssub = None
                    if ssub is None or not autograded.is_dir():
                        failures[student] = _failure_reason(log_text, student, workdir)
                        # A graded notebook left from an earlier run is not this submission's.
                        shutil.rmtree(workdir / "autograded" / student / lab, ignore_errors=True)
                        continue
                    gb.update_or_create_student(student)
                    sub = gb.update_or_create_submission(lab, student, timestamp=ssub.timestamp)
                    for snb in ssub.notebooks:
                        nb = gb.find_submission_notebook(snb.name, lab, student)
                        nb.flagged = snb.flagged
                        nb.late_submission_penalty = snb.late_submission_penalty
                        for sg in snb.grades:
                            g = gb.find_grade(sg.name, snb.name, lab, student)
                            g.auto_score, g.manual_score = sg.auto_score, sg.manual_score
                            g.extra_credit, g.needs_manual_grade = sg.extra_credit, sg.needs_manual_grade
                        for sc in snb.comments:
                            c = gb.find_comment(sc.name, snb.name, lab, student)
                            c.auto_comment, c.manual_comment = sc.auto_comment, sc.manual_comment
                    gb.db.commit()
                    _take_graded_notebook(autograded, workdir / "autograded" / student / lab, lab)
    os.replace(tmp_db, main_db)


def _take_graded_notebook(src_dir: Path, dest_dir: Path, lab: str) -> None:
    """Copy the graded notebook, and nothing else, out of a shard.

    The shard's folder is written by nbgrader only (the kernel never sees it),
    but this copy does not rely on that: only ``<lab>.ipynb`` is taken, and only
    if it is a regular file, never a link (``copy_plain_file``), into a folder
    made afresh. Whatever else a shard folder holds stays there and is deleted
    with it.
    """
    from grader.sandbox import copy_plain_file

    if dest_dir.is_symlink():
        dest_dir.unlink()
    elif dest_dir.exists():
        shutil.rmtree(dest_dir)
    dest_dir.mkdir(parents=True)
    copy_plain_file(src_dir / f"{lab}.ipynb", dest_dir / f"{lab}.ipynb")


def last_error_line(log: str, student: str) -> str:
    """nbgrader's last log line naming ``student`` and an error, or ''."""
    lines = [ln.strip() for ln in log.splitlines() if student in ln and "rror" in ln]
    return lines[-1] if lines else ""


LOGS = "logs"


def log_path(workdir: Path, student: str) -> Path:
    """Where the nbgrader log of a student's latest grading is kept (the next run of
    another batch leaves it alone; grading the student again replaces it)."""
    return Path(workdir) / LOGS / f"{student}.log"


def split_log(log: str, students: list[str]) -> dict[str, str]:
    """A shard's nbgrader log cut into one piece per student.

    nbgrader grades a shard's students one after the other, and each one's part
    starts with a line naming its folder (``.../submitted/<student>/...``); a
    traceback that follows belongs to the student before it.
    """
    import re

    marks = {s: re.compile(rf"/{re.escape(s)}/|'{re.escape(s)}'") for s in students}
    parts: dict[str, list[str]] = {s: [] for s in students}
    current = None
    for line in log.splitlines():
        named = [s for s, rx in marks.items() if rx.search(line)]
        if named:
            current = named[0] if current not in named else current
        if current is not None:
            parts[current].append(line)
    return {s: "\n".join(lines) + "\n" for s, lines in parts.items()}


def keep_logs(workdir: Path, shard_log: Path, students: list[str]) -> None:
    """Save each student's part of a shard's log under ``<workdir>/logs/``."""
    text = shard_log.read_text(errors="replace") if shard_log.is_file() else ""
    folder = Path(workdir) / LOGS
    folder.mkdir(exist_ok=True)
    for student, part in split_log(text, students).items():
        path = log_path(workdir, student)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        tmp.write_text(part)
        os.replace(tmp, path)


def crash_cause(part: str) -> str:
    """The exception that stopped nbgrader on a submission (the last line of the traceback it
    logged), else its last error line, else ''."""
    lines = part.splitlines()
    cause = ""
    for i, line in enumerate(lines):
        if "There was an error processing assignment:" in line or "became unresponsive" in line:
            tail = []
            for k, nxt in enumerate(lines[i + 1:]):
                # The traceback is the next log record; the one after it ends it.
                if k > 0 and nxt.startswith("[") and "|" in nxt[:40]:
                    break
                if nxt.strip():
                    tail.append(nxt.strip())
            cause = tail[-1] if tail else line.split("]", 1)[-1].strip()
    if not cause:
        errors = [ln.split("]", 1)[-1].strip() for ln in lines if "ERROR" in ln or "rror" in ln]
        cause = errors[-1] if errors else ""
    return cause


def _failure_reason(log: str, student: str, workdir: Path) -> str:
    """Why nbgrader could not grade ``student``, from their part of the log (kept by ``keep_logs``)."""
    kept = log_path(workdir, student)
    part = kept.read_text(errors="replace") if kept.is_file() else ""
    cause = crash_cause(part) or last_error_line(log, student)
    where = f" (log: {kept.relative_to(Path(workdir))})"
    if not cause:
        return "nbgrader could not grade this submission, and its log names no error" + where
    return f"nbgrader could not grade this submission: {cause[:240]}{where}"


FLAGS_FILE = "review.json"


def _write_flags(workdir: Path, lab: str, graded: list[str], flags: dict[str, list[str]]) -> None:
    """Record which students' scores are held, and why. A student graded again
    gets a fresh verdict; students not in this batch keep theirs."""
    path = Path(workdir) / FLAGS_FILE
    data = read_flags(workdir)
    lab_flags = data.setdefault(lab, {})
    for student in graded:
        old = lab_flags.pop(student, None)
        if student in flags:
            # A review already accepted stays accepted only for the same code.
            accepted = bool(old and old.get("accepted") and old.get("findings") == flags[student])
            lab_flags[student] = {"findings": flags[student], "accepted": accepted}
    _save_record(path, data)


def _save_record(path: Path, data: dict) -> None:
    # Written aside, then renamed: an interrupted run never leaves half a record.
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _read_record(path: Path, what: str, remedy: str) -> dict:
    """One of the grader's JSON records ({} when there is none yet), or a one-line error."""
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError) as exc:
        raise GraderError(f"{path}: unreadable {what} ({exc}); {remedy} and grade again") from None


def read_flags(workdir: Path) -> dict:
    return _read_record(Path(workdir) / FLAGS_FILE, "review file", "restore it or delete it")


def accept_review(workdir: Path, lab: str, student: str) -> list[str]:
    """An instructor read the flagged code and releases the autograded score; returns the findings."""
    data = read_flags(workdir)
    entry = data.get(lab, {}).get(student)
    if entry is None:
        raise GraderError(f"{student!r} has no submission of {lab} held for review")
    entry["accepted"] = True
    path = Path(workdir) / FLAGS_FILE
    _save_record(path, data)
    return entry["findings"]


def lab_max_score(workdir: Path, lab: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(workdir) / 'gradebook.db'}") as gb:
        return float(gb.find_assignment(lab).max_score)


def read_gradebook(workdir: Path, lab: str) -> dict[str, Result]:
    """Scores of every graded submission of ``lab`` in the work folder's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, Result] = {}
    policy = _late_policy(workdir, lab)
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
            result = Result(student.id, lab, float(sub.score), float(sub.max_score), "graded",
                            tests=tests)
            if sub.total_seconds_late > 0:
                result.late_seconds = float(sub.total_seconds_late)
                result.detail = f"late by {_duration(sub.total_seconds_late)}"
                if policy is not None:
                    result.raw_score = result.score
                    result.late_penalty = policy.penalty(result.score, result.max_score, result.late_seconds)
                    result.score = round(result.score - result.late_penalty, 6)
                    result.detail += (f": {result.late_penalty:g} point(s) off, late policy "
                                      f"{policy.describe()}")
            out[student.id] = result
    # A score held for review is not given until an instructor accepts it.
    for student, entry in read_flags(workdir).get(lab, {}).items():
        result = out.get(student)
        if result is None:
            continue
        if entry.get("accepted"):
            result.detail = "; ".join(x for x in (result.detail, "accepted after review") if x)
            continue
        findings = entry.get("findings", [])
        # Held: nothing given; the score autograde gave, before any late penalty, is kept.
        if result.raw_score is None:
            result.raw_score = result.score
        result.score, result.status = 0.0, "review"
        result.detail = "; ".join(x for x in (
            result.detail,
            f"held for review: autograde gave {result.raw_score:g}/{result.max_score:g}, but the code "
            f"{findings[0] if findings else 'was flagged'}"
            + (f" (+{len(findings) - 1} more)" if len(findings) > 1 else "")) if x)
    return out


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
