"""``grader check``: run a student's notebook and say which test cells pass.

This runs only what is in the notebook (the visible tests), in the student's
own environment, exactly top to bottom as the autograder would.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from grader.course import GraderError
from grader.notebooks import grade_id, is_solution_cell, is_test_cell, nbgrader_meta, read_notebook

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class CellResult:
    grade_id: str
    points: float
    passed: bool
    message: str


def _error_of(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            last = ANSI.sub("", out.get("evalue", "")).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {last[-1] if last else ''}".rstrip(": ")
    return None


def check_notebook(path: Path, timeout: int = 120) -> tuple[list[CellResult], list[str], float]:
    """Execute ``path`` in a scratch copy; return the test-cell results, unfinished cells, runtime."""
    from nbclient import NotebookClient

    nb = read_notebook(path)
    if not any(is_test_cell(c) for c in nb.cells):
        raise GraderError(f"{path}: has no test cells (is this a lab notebook?)")
    unfinished = [grade_id(c) or "?" for c in nb.cells
                  if is_solution_cell(c) and "raise NotImplementedError()" in c.source]
    start = time.perf_counter()
    # The notebook runs in its own folder, as in Jupyter, so relative paths behave.
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(Path(path).resolve().parent)}})
    os.environ.setdefault("GENMOD_PROGRESS", "0")
    try:
        client.execute()
    except Exception as exc:  # a dead kernel or a timeout: say so rather than print a traceback
        raise GraderError(f"{path}: execution stopped: {type(exc).__name__}: {exc}") from None
    elapsed = time.perf_counter() - start
    results = []
    for cell in nb.cells:
        if is_test_cell(cell):
            err = _error_of(cell)
            results.append(CellResult(grade_id(cell) or "?", float(nbgrader_meta(cell).get("points", 0)),
                                      err is None, err or ""))
    return results, unfinished, elapsed


def format_report(path: Path, results: list[CellResult], unfinished: list[str], elapsed: float) -> str:
    lines = [f"{path}: ran in {elapsed:.1f} s"]
    width = max(len(r.grade_id) for r in results)
    for r in results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"  {mark}  {r.grade_id:<{width}}  ({r.points:g} pt)  {r.message}".rstrip())
    passed = sum(r.passed for r in results)
    lines.append(f"visible tests: {passed} of {len(results)} test cells pass")
    if unfinished:
        lines.append("still to do: " + ", ".join(unfinished))
    lines.append("The grade comes from hidden tests as well: passing these is necessary, not sufficient.")
    return "\n".join(lines)
