"""``grader check``: run a notebook's visible tests and say which test cells pass.

The self-check lives in the student kit (``kit/check.py``, shipped as the kit's
``check.py``), so students and instructors run the same code and there is one
copy of it. This module loads it and turns its errors into :class:`GraderError`.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from grader.course import REPO, GraderError

_KIT_CHECK = REPO / "kit" / "check.py"
_NAME = "genmod_kit_check"


def _load():
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    spec = importlib.util.spec_from_file_location(_NAME, _KIT_CHECK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


kit_check = _load()
CellResult = kit_check.CellResult
format_report = kit_check.format_report


def check_notebook(path: Path, timeout: int = 120):
    """Execute ``path`` in a scratch copy; return the test-cell results, the functions to write, the runtime."""
    try:
        return kit_check.check_notebook(Path(path), timeout=timeout)
    except kit_check.CheckError as exc:
        raise GraderError(str(exc)) from None


def _error_of(cell) -> str | None:
    """The error a cell raised, as ``Name: last line``, or None. Output and stderr are not errors."""
    err = kit_check._error_of(cell)
    if err is None:
        return None
    last = err.evalue.splitlines()
    return f"{err.ename}: {last[-1] if last else ''}".rstrip(": ")
