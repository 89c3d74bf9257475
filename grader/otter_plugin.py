"""An otter-grader plugin that makes ``otter run`` grade a lab notebook as ``nbgrader autograde`` does.

``python -m grader gradescope`` ships this file in the autograder zip, next to
otter's ``run_otter.py``, whose folder is on ``sys.path`` on Gradescope; locally
the installed ``grader`` package provides it. It needs otter, nbformat and the
standard library only, because that is all the Gradescope image has.

nbgrader runs every test cell where it stands, hidden tests included; otter
runs its tests after the last cell. Moving the tests is not harmless: hidden
tests draw random numbers and define names, so the training cell that follows
them would start from another random state, train another model, and the
sample-quality test could score differently. Before otter executes a
submission, this plugin therefore

* puts every locked code cell back to its released source, as nbgrader's
  ``OverwriteCells`` does, so both graders run the same set-up and training;
* empties each test cell and marks it for otter, which then runs the test of
  the same name right there (otter inserts a check after a cell whose
  ``metadata.otter.tests`` names it), so the test runs once, in place;
* puts a test cell the student deleted back after the cell before it in the
  source notebook, as nbgrader does with ``add_missing_cells``;
* sets the environment nbgrader grades in (``NBGRADER_EXECUTION=autograde``,
  which shortens the labs' training), so both graders run the same code.
"""

from __future__ import annotations

import os

import nbformat
from otter.plugins import AbstractOtterPlugin


class NbgraderCells(AbstractOtterPlugin):
    """Configured in ``otter_config.json`` by :func:`grader.gradescope.export_gradescope`.

    ``cells``: the source notebook's nbgrader cells in order, each
    ``{"id": grade id, "kind": "test" | "locked" | "other", "source": ...}``
    (a source only for locked code cells; solutions are never shipped).
    ``environment``: variables to set before the notebook's kernel starts.
    """

    def before_grading(self, config):
        # The kernel otter starts next inherits this process's environment.
        os.environ.update(self.plugin_config.get("environment", {}))

    def before_execution(self, submission):
        if isinstance(submission, str):  # a Python script, not a notebook: no cells to place
            return submission
        cells = self.plugin_config.get("cells", [])
        kind = {c["id"]: c["kind"] for c in cells}
        locked = {c["id"]: c["source"] for c in cells if c["kind"] == "locked"}

        out, seen = [], set()
        for cell in submission.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if kind.get(gid) == "test":
                cell = _check_cell(gid)
            elif kind.get(gid) == "locked":
                # A fresh cell: the student's tags (otter_ignore) and cell type do not survive either.
                cell = nbformat.v4.new_code_cell(locked[gid], metadata={"nbgrader": {"grade_id": gid}})
            if gid in kind:
                seen.add(gid)
            out.append(cell)

        order = [c["id"] for c in cells]
        for i, gid in enumerate(order):
            if kind[gid] != "test" or gid in seen:
                continue
            before = next((g for g in reversed(order[:i]) if g in seen), None)
            at = 0 if before is None else 1 + next(
                j for j, c in enumerate(out) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == before)
            out.insert(at, _check_cell(gid))
            seen.add(gid)
        submission.cells = out
        return submission


def _check_cell(grade_id: str):
    """An empty cell after which otter runs the test ``grade_id`` (its visible and hidden parts)."""
    return nbformat.v4.new_code_cell("", metadata={"nbgrader": {"grade_id": grade_id},
                                                   "otter": {"tests": [grade_id]}})
