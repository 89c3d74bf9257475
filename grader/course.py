"""Where the course's files live, and the errors the grader reports to a person."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
LABS = REPO / "labs"

# nbgrader's own rule for ids, which end up in paths: nothing that can climb out of a folder.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*$")


class GraderError(Exception):
    """A problem with the input, explained in one line; the CLI prints it without a traceback."""


def available_labs() -> list[str]:
    """Labs are the folders of ``solutions/`` holding a notebook of the same name."""
    return sorted(p.name for p in SOLUTIONS.iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").is_file())


def check_lab(lab: str) -> str:
    labs = available_labs()
    if lab not in labs:
        raise GraderError(f"no lab called {lab!r}; the labs are: {', '.join(labs) or '(none)'}")
    return lab


def source_notebook(lab: str) -> Path:
    return SOLUTIONS / check_lab(lab) / f"{lab}.ipynb"


def student_notebook(lab: str) -> Path:
    return LABS / check_lab(lab) / f"{lab}.ipynb"


def check_id(kind: str, value: str) -> str:
    if not ID_PATTERN.match(value):
        raise GraderError(f"{kind} {value!r} is not a valid id: use letters, digits, '_', '-' and '.' only")
    return value
