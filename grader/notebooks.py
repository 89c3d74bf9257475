"""Reading notebooks defensively, and the nbgrader cell metadata the grader relies on."""

from __future__ import annotations

import json
import uuid
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


def canonicalise(submitted, released) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission laid out on the released notebook: the student's answers, our everything else.

    A student may delete, reorder, edit or re-label cells. nbgrader restores an
    edited test cell, but a deleted read-only cell makes it fail on the whole
    notebook (KeyError in OverwriteCells), and copied metadata can claim points.
    So the notebook that is graded is rebuilt from the release: every cell of
    the release in its order, where a solution cell takes the student's code
    (if they kept the cell), followed by the student's own extra cells where they
    put them. A release cell without an nbgrader id (an instruction in markdown)
    is the student's copy of it when the student's cell has its cell id, or the
    same type and text: it is laid out once, not again as an extra cell. Cells
    whose nbgrader id the release does not know lose their nbgrader metadata and
    count as the student's own. Returns the notebook and notes on what was
    restored, for the grade report.
    """
    known = {grade_id(c): c for c in released.cells if grade_id(c)}
    # Release cells without an nbgrader id, found by cell id, else by type and text.
    plain = [i for i, c in enumerate(released.cells) if not grade_id(c)]
    plain_by_id = {released.cells[i].get("id"): i for i in plain if released.cells[i].get("id")}
    plain_by_text: dict[tuple, list[int]] = {}
    for i in plain:
        c = released.cells[i]
        plain_by_text.setdefault((c.cell_type, _text(c)), []).append(i)
    matched_plain: set[int] = set()
    answers: dict[str, nbformat.NotebookNode] = {}
    extras_after: dict[int | None, list] = {}
    anchor = None
    position = {grade_id(c): i for i, c in enumerate(released.cells) if grade_id(c)}
    for cell in submitted.cells:
        gid = grade_id(cell)
        if gid in known and gid not in answers:
            answers[gid] = cell
            anchor = position[gid]
            continue
        if not gid:
            i = _match_plain(cell, plain_by_id, plain_by_text, matched_plain, released)
            if i is not None:
                matched_plain.add(i)
                anchor = i
                continue
        extra = nbformat.from_dict(json.loads(json.dumps(cell)))
        extra.get("metadata", {}).pop("nbgrader", None)
        if extra.get("cell_type") == "code":
            extra.outputs, extra.execution_count = [], None
        extras_after.setdefault(anchor, []).append(extra)
    cells = list(extras_after.get(None, []))
    for i, rel in enumerate(released.cells):
        gid = grade_id(rel)
        cell = nbformat.from_dict(json.loads(json.dumps(rel)))
        if gid and is_solution_cell(rel) and gid in answers and answers[gid].get("cell_type") == rel.cell_type:
            cell.source = answers[gid].get("source", "")
        cells.append(cell)
        cells.extend(extras_after.get(i, []))
    notes = []
    missing = [gid for gid in known if gid not in answers]
    if missing:
        notes.append(f"restored {len(missing)} deleted cell(s)")
    order = [grade_id(c) for c in submitted.cells if grade_id(c) in known]
    if order != [g for g in known if g in order]:
        notes.append("put moved cells back in order")
    # A student's copy of a released cell keeps that cell's id; ids must be unique.
    seen: set[str] = set()
    for cell in cells:
        while cell.get("id") in seen:
            cell["id"] = uuid.uuid4().hex[:8]
        seen.add(cell.get("id"))
    out = nbformat.v4.new_notebook(metadata=json.loads(json.dumps(released.metadata)))
    out.cells = cells
    return out, notes


def _text(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _match_plain(cell, by_id, by_text, taken, released) -> int | None:
    """The release's un-ided cell that ``cell`` is the student's copy of, or None."""
    i = by_id.get(cell.get("id"))
    if i is not None and i not in taken and released.cells[i].cell_type == cell.get("cell_type"):
        return i
    for j in by_text.get((cell.get("cell_type"), _text(cell)), []):
        if j not in taken:
            return j
    return None
