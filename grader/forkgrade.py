"""Grade many variants of one lab in one process, sharing the work they have in common.

The mutant table grades the reference, the blank notebook and dozens of
planted bugs. Through ``nbgrader autograde`` each one starts a kernel, imports
torch, trains the lab's models and runs every test: about 5-10 s of CPU a
notebook, and most of it is the same work again, since a mutant differs from
the reference in one solution cell only. Everything before that cell runs
exactly as in the reference.

So this engine runs the reference once, cell by cell, in one IPython shell,
and just before the first cell where a variant differs it ``fork``s: the child
inherits the shell's state at that point (imports, trained models, random
generators), runs the variant's version of the remaining cells and records
which test cells raised. One kernel start per lab; a bug in a sampler that
comes after the training cell does not train again.

The verdict is nbgrader's rule as the course applies it (``grader/scoring.py``):
a test cell earns its points when it runs without raising. It is the same
verdict as grading the notebook from scratch as long as the lab is
deterministic (seeded, which every lab is) and a cell cannot tell a forked
process from a fresh one. ``tests/test_mutants.py`` checks the claim: a
sample of every lab's submissions is graded by both engines and must get the
same score on every test cell. Instructors' ``python -m grader mutants``
uses the real, sandboxed nbgrader autograde unless told ``--engine fork``.

This runs the course's own code (references and mutants), never a student's:
there is no sandbox here.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.course import REPO, GraderError
from grader.notebooks import (STUB, grade_id, is_solution_cell, is_test_cell, nbgrader_meta,
                              read_notebook, strip_solution_markers)

KILLED = "the process died in this cell"


@dataclass(frozen=True)
class Cell:
    grade_id: str | None
    test: bool
    points: float


def lab_layout(source_nb, student_nb) -> tuple[list[Cell], list[str], dict[str, int], list[str]]:
    """The code cells nbgrader runs for a submission, in order.

    Returns the cells' metadata, the reference code of each (what a student who
    wrote the reference submits, with the test cells as the gradebook restores
    them, hidden tests included), the position of each solution cell by grade
    id, and the blank notebook's code (the release's stubs).
    """
    stubs = {grade_id(c): c.source for c in student_nb.cells if is_solution_cell(c)}
    cells, reference, blank, position = [], [], [], {}
    for c in source_nb.cells:
        if c.cell_type != "code":
            continue
        gid = grade_id(c)
        if is_solution_cell(c):
            position[gid] = len(cells)
            reference.append(strip_solution_markers(c.source))
            blank.append(stubs.get(gid, STUB))
        else:
            reference.append(c.source)
            blank.append(c.source)
        cells.append(Cell(gid, is_test_cell(c), float(nbgrader_meta(c).get("points", 0) or 0)))
    return cells, reference, position, blank


def grade_variants(variants: dict[str, list[str]], cells: list[Cell], workdir: Path,
                   cell_timeout: int = 60, jobs: int | None = None,
                   total_timeout: int = 3600) -> dict[str, dict]:
    """Run every variant (the first is the base); return per variant its test outcomes and errors.

    ``variants`` maps a submission id to the code of every code cell. Returns
    ``{sid: {"tests": {grade_id: passed}, "errors": {cell index: message}}}``;
    errors are kept for every cell that raised, graded or not.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    job = {"variants": variants, "cells": [c.__dict__ for c in cells], "timeout": int(cell_timeout),
           "jobs": int(jobs or os.cpu_count() or 1), "results": str(workdir / "results")}
    (workdir / "job.json").write_text(json.dumps(job))
    env = dict(os.environ, NBGRADER_EXECUTION="autograde", PYTHONHASHSEED="0", MPLBACKEND="Agg",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", GENMOD_PROGRESS="0")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    log = workdir / "worker.log"
    with open(log, "w") as out:
        proc = subprocess.run([sys.executable, "-m", "grader.forkgrade", str(workdir / "job.json")],
                              cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
                              timeout=total_timeout)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise GraderError(f"the fork grading engine failed (exit {proc.returncode}):\n{tail}")
    results = {}
    for sid in variants:
        path = workdir / "results" / f"{sid}.jsonl"
        tests, errors = {}, {}
        if path.exists():
            for line in path.read_text().splitlines():
                rec = json.loads(line)
                if rec["error"] is not None:
                    errors[rec["index"]] = rec["error"]
                if cells[rec["index"]].test:
                    tests[cells[rec["index"]].grade_id] = rec["error"] is None
        # A cell with no record never ran to its end: the process died there or before.
        for i, c in enumerate(cells):
            if c.test and c.grade_id not in tests:
                tests[c.grade_id] = False
                errors.setdefault(i, KILLED)
        results[sid] = {"tests": tests, "errors": errors}
    return results


# ---------------------------------------------------------------------------
# The worker: runs in its own process, started by grade_variants.

class _CellTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _CellTimeout("the cell ran past its time limit")


def _warm_up() -> None:
    """Import, once in the parent, what the labs' cells import lazily.

    A child pays for every module first imported after its fork point, and the
    labs train after most of their solution cells: torch's first optimiser step
    pulls in its compiler stack (about 1.3 s of CPU), SciPy's integrators and
    scikit-learn's loaders take more. Imported here, before any cell, every child
    inherits them. No random number is drawn and no cell's state changes, so the
    verdicts stay those of a fresh kernel (tests/test_mutants.py compares).
    """
    import importlib

    import torch

    # One thread, as every lab's set-up cell asks (genmod.setup_notebook): no
    # thread pool may be running when the process forks.
    torch.set_num_threads(1)
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.0)
    p.sum().backward()
    opt.step()
    for name in ("scipy.integrate", "scipy.linalg", "sklearn.datasets", "sklearn.decomposition"):
        try:
            importlib.import_module(name)
        except Exception:
            pass


def _worker(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    variants: dict[str, list[str]] = job["variants"]
    timeout, jobs, results = job["timeout"], job["jobs"], Path(job["results"])
    results.mkdir(parents=True, exist_ok=True)

    # No thread may be running when the process forks: IPython's history writer
    # and tqdm's monitor are the two that would start.
    from traitlets.config import Config
    from IPython.core.interactiveshell import InteractiveShell
    import tqdm

    tqdm.tqdm.monitor_interval = 0
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"   # the log is read by people, not terminals
    shell = InteractiveShell.instance(config=config)
    # Tracebacks go to the worker's log, read only when something breaks; the
    # verdict comes from the exception itself. The default "Context" mode
    # reads and lays out the source around every frame, which cost more than
    # the cells themselves in tables where most children raise.
    shell.InteractiveTB.set_mode("Plain")
    signal.signal(signal.SIGALRM, _on_alarm)
    _warm_up()

    def run(code: str) -> str | None:
        signal.alarm(timeout)
        try:
            result = shell.run_cell(code, store_history=False)
        except BaseException as exc:  # the alarm can land outside the user's code
            return f"{type(exc).__name__}: {exc}"
        finally:
            signal.alarm(0)
        err = result.error_in_exec or result.error_before_exec
        return None if err is None else f"{type(err).__name__}: {err}"[:500]

    def record(sid: str, index: int, error: str | None) -> None:
        with open(results / f"{sid}.jsonl", "a") as fh:
            fh.write(json.dumps({"index": index, "error": error}) + "\n")

    sids = list(variants)
    base = variants[sids[0]]
    fork_at: dict[int, list[str]] = {}
    for sid in sids[1:]:
        code = variants[sid]
        first = next((i for i, (a, b) in enumerate(zip(base, code)) if a != b), None)
        if first is None:  # identical to the base: its outcomes are the base's
            first = len(base)
        fork_at.setdefault(first, []).append(sid)

    children: dict[int, str] = {}

    def reap() -> None:
        pid, _ = os.wait()
        children.pop(pid, None)

    def spawn(sid: str, start: int) -> None:
        while len(children) >= jobs:
            reap()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                for j in range(start, len(base)):
                    record(sid, j, run(variants[sid][j]))
                code = 0
            finally:
                os._exit(code)
        children[pid] = sid

    done: list[tuple[int, str | None]] = []
    for i, code in enumerate(base):
        for sid in fork_at.get(i, []):
            # The child inherits the outcomes of cells 0..i-1, which are the base's.
            for index, error in done:
                record(sid, index, error)
            spawn(sid, i)
        error = run(code)
        done.append((i, error))
        record(sids[0], i, error)
    for sid in fork_at.get(len(base), []):
        for index, error in done:
            record(sid, index, error)
    while children:
        reap()
    return 0


if __name__ == "__main__":
    sys.exit(_worker(sys.argv[1]))
