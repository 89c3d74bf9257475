"""How a test cell is scored: on errors only.

Stock nbgrader (``nbgrader.utils.determine_grade``) reads a test cell's
outputs: an error or anything on stderr scores zero, and otherwise the first
``execute_result`` decides, a number being partial credit and any other text
full marks. Outputs are the one thing a submission controls completely: a
student's function can print, display or return whatever it likes, including
from inside a test cell (through the display hook, or with
``ast_node_interactivity`` turned to ``'all'``), and a number above the cell's
points crashed nbgrader. So the course scores a test cell by one fact only,
whether it raised: full points when the cell has no ``error`` output, zero
when it has one. A warning printed by honest code costs nothing, and nothing
printed or displayed earns anything.

nbgrader's own step adds an ``error`` output when the kernel's reply says the
cell failed but no traceback was shown (``nbgrader.preprocessors.Execute``),
so a silenced traceback still scores zero.

``install()`` puts this rule into nbgrader; ``grader/nbgrader_config.py`` calls
it, so every nbgrader process the course starts (autograde, feedback,
validate) scores this way. ``grader check`` and the Gradescope export apply
the same rule.
"""

from __future__ import annotations


def cell_failed(cell) -> bool:
    """Whether an executed code cell raised: it has an ``error`` output."""
    return cell.get("cell_type") == "code" and any(
        out.get("output_type") == "error" for out in cell.get("outputs", []))


def determine_grade(cell, log=None):
    """nbgrader's ``determine_grade`` with the course's rule for autograded test cells."""
    from nbgrader import utils

    if not utils.is_grade(cell):
        raise ValueError("cell is not a grade cell")
    if utils.is_solution(cell) or cell.cell_type != "code":
        # Manually graded answers: nbgrader's own rule (None means "a person grades it").
        return _STOCK["determine_grade"](cell, log)
    max_points = float(cell.metadata["nbgrader"]["points"])
    return (0.0 if cell_failed(cell) else max_points), max_points


def has_failed(cell) -> bool:
    return cell_failed(cell)


_STOCK: dict = {}


def install() -> None:
    """Make nbgrader score test cells on errors only (idempotent)."""
    from nbgrader import utils

    if utils.determine_grade is determine_grade:
        return
    _STOCK["determine_grade"] = utils.determine_grade
    # nbgrader's preprocessors and validator call these as attributes of
    # nbgrader.utils, so replacing the module's attributes reaches all of them.
    utils.determine_grade = determine_grade
    utils.has_failed = has_failed
