"""Reading notebooks defensively, and the nbgrader cell metadata the grader relies on."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbformat.reader import NotJSONError

from grader.course import GraderError

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """Read and validate a notebook, or raise a :class:`GraderError` that says what is wrong."""
    path = Path(path)
    if not path.exists():
        raise GraderError(f"{path}: no such file")
    if path.suffix != ".ipynb":
        raise GraderError(f"{path}: not a notebook (expected a .ipynb file)")
    try:
        nb = nbformat.read(path, as_version=4)
    except json.JSONDecodeError as exc:
        raise GraderError(f"{path}: not valid notebook JSON ({exc.msg} at line {exc.lineno})") from None
    except NotJSONError:
        raise GraderError(f"{path}: not valid notebook JSON (is it truncated, or another kind of file?)") from None
    except UnicodeDecodeError:
        raise GraderError(f"{path}: not a text file (cannot decode it as UTF-8)") from None
    except Exception as exc:  # nbformat raises several types for structurally broken files
        raise GraderError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise GraderError(f"{path}: notebook does not follow the nbformat schema ({exc.message})") from None
    return nb


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def grade_id(cell) -> str | None:
    return nbgrader_meta(cell).get("grade_id")


def is_solution_cell(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_test_cell(cell) -> bool:
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.cell_type == "code"


def strip_solution_markers(source: str) -> str:
    """The code a student who solved the cell would have written: the reference without markers."""
    lines = [ln for ln in source.splitlines()
             if ln.strip() not in (SOLUTION_BEGIN, SOLUTION_END)]
    return "\n".join(lines)


def fill_solutions(student_nb, source_nb, replace: dict[str, str] | None = None):
    """Return a copy of ``student_nb`` with every solution cell filled in from ``source_nb``.

    This is what a student who wrote the reference answers would submit.
    ``replace`` maps a grade id to the code to put there instead (used by the
    mutant harness to plant one bug).
    """
    replace = replace or {}
    reference = {grade_id(c): strip_solution_markers(c.source)
                 for c in source_nb.cells if is_solution_cell(c)}
    unknown = set(replace) - set(reference)
    if unknown:
        raise GraderError(f"no solution cell with grade id {', '.join(sorted(unknown))}")
    nb = nbformat.from_dict(json.loads(json.dumps(student_nb)))
    for cell in nb.cells:
        gid = grade_id(cell)
        if is_solution_cell(cell) and gid in reference:
            cell.source = replace.get(gid, reference[gid])
    return nb
