"""A corpus of cheating, broken and odd submissions of the flow-matching lab.

Each case says what it deserves, in one of three ways:

* ``score=N``: an exact number of points (the reference, the blank notebook);
* ``twin=NAME``: exactly what an honest submission with the same working code
  gets (a cheat whose trick is neutralised must land on its honest twin);
* ``status=...``: held for ``review`` with nothing awarded, or ``rejected``
  with a reason that contains ``reason``.

``tests/test_adversarial.py`` grades the whole corpus in one
``python -m grader autograde`` run and checks every case.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.course import REPO, source_notebook, student_notebook
from grader.mutants import load_mutants, mutated_code
from grader.notebooks import fill_solutions, grade_id, is_test_cell, read_notebook

LAB = "flow_matching"
MAX = 16.0


@dataclass
class Case:
    name: str
    what: str
    score: float | None = None
    twin: str | None = None
    status: str = "graded"
    reason: str = ""
    extra: str = ""        # text the result's detail must contain
    raw_twin: str | None = None  # held for review, and the held score equals this twin's


def _ref():
    return fill_solutions(read_notebook(student_notebook(LAB)), read_notebook(source_notebook(LAB)))


def _wrong():
    """Honest but wrong: the conditional velocity points the wrong way."""
    source = read_notebook(source_notebook(LAB))
    mutant = next(m for m in load_mutants(LAB) if m.name == "target_flipped")
    return fill_solutions(read_notebook(student_notebook(LAB)), source,
                          replace={mutant.cell: mutated_code(source, mutant)})


def _cell(nb, gid):
    return next(c for c in nb.cells if grade_id(c) == gid)


def _prepend(nb, gid, code):
    cell = _cell(nb, gid)
    cell.source = code + "\n" + cell.source
    return nb


def _append(nb, gid, code):
    cell = _cell(nb, gid)
    cell.source = cell.source + "\n" + code
    return nb


def _blank_cell(nb, gid):
    _cell(nb, gid).source = "# YOUR CODE HERE\nraise NotImplementedError()"
    return nb


def _partial():
    nb = _ref()
    for gid in ("solver_steps", "integrate", "sample"):
        _blank_cell(nb, gid)
    return nb


def _edited_tests():
    nb = _wrong()
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = "pass  # all good"
    return nb


def _deleted_tests():
    nb = _wrong()
    nb.cells = [c for c in nb.cells if not is_test_cell(c)]
    return nb


def _inflated_points():
    nb = _wrong()
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.metadata["nbgrader"]["points"] = 100
    return nb


def _fake_outputs():
    nb = _wrong()
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="all tests passed\n")]
            cell.execution_count = 1
    return nb


SOLUTION = REPO / "solutions" / LAB / f"{LAB}.ipynb"

# Written so that it would score full marks if the file were readable: the
# sandbox hides it, and the honest fallback is the wrong code.
READ_SOLUTIONS = f"""
try:
    _leak = open({str(SOLUTION)!r}).read()
except OSError:
    _leak = ""
if "BEGIN SOLUTION" in _leak:
    def sample_conditional_path(x0, x1, t):
        t = t.reshape(-1, *([1] * (x0.dim() - 1)))
        return (1 - t) * x0 + t * x1, x1 - x0
"""


def gradebook_attack(workdir: Path) -> str:
    return f"""
import sqlite3
try:
    _con = sqlite3.connect({str(workdir / 'gradebook.db')!r})
    _con.execute("UPDATE grade SET manual_score = 100")
    _con.commit()
except Exception:
    pass
"""


def cases(workdir: Path) -> list[tuple[Case, object]]:
    """(case, notebook or raw bytes or None) for every submission; ``workdir`` is the grading folder."""
    crash = "import faulthandler\nfaulthandler._sigsegv()"
    out: list[tuple[Case, object]] = [
        (Case("reference", "the reference solution", score=MAX), _ref()),
        (Case("blank", "the untouched student notebook", score=0.0), read_notebook(student_notebook(LAB))),
        (Case("partial", "first two functions done, the rest blank", score=5.0), _partial()),
        (Case("wrong", "honest wrong answer (velocity sign flipped)"), _wrong()),
        (Case("sample-blank", "reference with the sampler left blank"), _blank_cell(_ref(), "sample")),
        # In-kernel cheats: the code is flagged, the score held for review.
        (Case("np-allclose", "wrong + np.allclose patched", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "import numpy as np\nnp.allclose = lambda *a, **k: True")),
        (Case("torch-allclose", "wrong + torch.allclose patched", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "import torch\ntorch.allclose = lambda *a, **k: True")),
        (Case("code-swap", "wrong + the metric's __code__ swapped for `return 0.0`", status="review",
              raw_twin="wrong"),
         _append(_wrong(), "sample_conditional_path",
                 "sliced_wasserstein.__code__ = (lambda *a, **k: 0.0).__code__")),
        (Case("transformer", "wrong + an input transformer that blanks test cells", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "get_ipython().input_transformers_cleanup.append("
                 "lambda lines: [] if any('assert' in l for l in lines) else lines)")),
        (Case("sys-modules", "wrong + torch patched through sys.modules", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "import sys\nsys.modules['torch'].allclose = lambda *a, **k: True")),
        (Case("builtins", "wrong + a builtin replaced", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "import builtins\nbuiltins.isinstance = lambda *a: True")),
        (Case("obfuscated", "wrong + the patch hidden in exec of a built string", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "exec(''.join(['tor', 'ch.allclose = lambda *a, **k: True']))")),
        (Case("alias", "wrong + the patch through an alias of the module", status="review"),
         _append(_wrong(), "sample_conditional_path",
                 "import torch\n_t = torch\n_t.allclose = lambda *a, **k: True")),
        (Case("gradebook-sql", "sqlite3 UPDATE of the gradebook", status="review"),
         _append(_wrong(), "sample_conditional_path", gradebook_attack(workdir))),
        # Neutralised by nbgrader, the sandbox or the kernel handling: the honest twin's score.
        (Case("edited-tests", "wrong + every test cell replaced by `pass`", twin="wrong"), _edited_tests()),
        (Case("deleted-tests", "wrong + every test cell deleted", twin="wrong", extra="restored 6"), _deleted_tests()),
        (Case("inflated-points", "wrong + test cells claim 100 points", twin="wrong"), _inflated_points()),
        (Case("fake-outputs", "wrong + test outputs saying all passed", twin="wrong"), _fake_outputs()),
        (Case("read-solutions", "reads the solution notebook to answer", twin="wrong"),
         _append(_wrong(), "sample_conditional_path", READ_SOLUTIONS)),
        (Case("infinite-loop", "`while True: pass` in the sampler cell", twin="sample-blank"),
         _prepend(_ref(), "sample", "while True:\n    pass")),
        (Case("memory-bomb", "allocates 64 GiB in the sampler cell", twin="sample-blank"),
         _prepend(_ref(), "sample", "_hog = bytearray(64 * 2**30)")),
        (Case("kernel-crash", "segfaults the kernel in the sampler cell", twin="sample-blank"),
         _prepend(_ref(), "sample", crash)),
        (Case("system-exit", "raises SystemExit in the sampler cell", twin="sample-blank"),
         _prepend(_ref(), "sample", "raise SystemExit(0)")),
        (Case("empty", "a valid notebook with no cells", score=0.0, extra="restored"),
         nbformat.v4.new_notebook()),
        # Not gradable: rejected with a reason, zero points, the batch goes on.
        (Case("malformed", "truncated JSON", status="rejected", reason="not valid notebook JSON"),
         b'{"cells": [{"cell_type": "code", "sou'),
        (Case("binary", "a zip file renamed .ipynb", status="rejected", reason="not a text file"),
         b"PK\x03\x04" + os.urandom(64)),
    ]
    return out


def write_corpus(folder: Path, workdir: Path, due: str) -> dict[str, Case]:
    """Write every submission into ``folder``; returns the expectations by student id."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, Case] = {}
    for case, content in cases(workdir):
        path = folder / f"{case.name}.ipynb"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            nbformat.write(content, path)
        expected[case.name] = case
    # Files that are no submission at all.
    (folder / "notes.txt").write_text("my answers are in the notebook")
    expected["notes"] = Case("notes", "a text file", status="rejected", reason="not a notebook")
    (folder / "bad name!.ipynb").write_text(json.dumps(nbformat.v4.new_notebook()))
    expected["bad name!"] = Case("bad name!", "a file name that is no student id", status="rejected",
                                 reason="not a valid id")
    # Two submissions from one student: the later one (a folder with a
    # timestamp) is graded, the earlier loose file is not.
    ref = _ref()
    nbformat.write(read_notebook(student_notebook(LAB)), folder / "twice.ipynb")
    os.utime(folder / "twice.ipynb", (time.time() - 86400 * 30,) * 2)
    (folder / "twice").mkdir()
    nbformat.write(ref, folder / "twice" / f"{LAB}.ipynb")
    (folder / "twice" / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    expected["twice"] = Case("twice", "two submissions, the later one complete", score=MAX,
                             extra="2 submissions")
    # Late: a day after the due date; marked, not penalised.
    (folder / "late").mkdir()
    nbformat.write(copy.deepcopy(ref), folder / "late" / f"{LAB}.ipynb")
    (folder / "late" / "timestamp.txt").write_text("2026-11-22 12:00:00.000000 UTC")
    expected["late"] = Case("late", "submitted a day late", score=MAX, extra="late by 24.0 h")
    return expected
