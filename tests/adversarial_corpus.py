"""A corpus of cheating, broken and odd submissions of the flow-matching lab.

Each case says what it deserves, in one of three ways:

* ``score=N``: an exact number of points (the reference, the blank notebook);
* ``twin=NAME``: exactly what an honest submission with the same working code
  gets (a cheat whose trick is neutralised must land on its honest twin);
* ``status=...``: held for ``review`` with nothing awarded, or ``rejected``
  with a reason that contains ``reason``.

``tests/test_adversarial.py`` grades the whole corpus in one
``python -m grader autograde`` run and checks every case. ``raw_twin`` on a
held case checks the layers behind the scan as well: the score autograde gave
before the hold (what ``accept`` would release) is the honest twin's, so the
trick did not work in the kernel either.

The cheats come in the classes a red team found; each class has two or more
instances, and a rule (not a match on the instance) closes it:

1. the IPython shell reached without its name (``exit``/``quit`` hold it, an
   alias of ``get_ipython``, the history ``In``): custom exception handler,
   ``post_run_cell`` hook, silenced traceback;
2. code outside the notebook: a ``.py`` file written to the working folder
   (with ``open`` or ``np.savetxt``) and imported;
3. output tricks: the display hook reached as ``os.sys.displayhook``,
   ``%config InteractiveShell.ast_node_interactivity = 'all'``, a number larger
   than the cell's points;
4. patches past the scan: ``torch`` reached as ``genmod.nn.torch`` or through
   ``os.sys.modules``, the name ``torch`` rebound to a proxy, the student's
   copy of the locked set-up cell emptied so that a raw-notebook scan would
   not know ``torch`` is a module;
5. objects that lie: ``__eq__``/``__bool__``/``__torch_function__`` and a
   ``torch.Tensor`` subclass.
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
from grader.notebooks import fill_solutions, grade_id, is_test_cell, read_notebook, strip_solution_markers

LAB = "flow_matching"


def _points(nb, gid=None) -> float:
    return sum(float(c.metadata["nbgrader"].get("points", 0)) for c in nb.cells
               if is_test_cell(c) and (gid is None or grade_id(c) == gid))


# The lab is worth what its source says (the tests read it, so a lab that grows stays covered).
MAX = _points(read_notebook(source_notebook(LAB)))


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


# The student notebook the corpus starts from: the release of the current source
# (write_corpus makes it), which is also what autograde lays submissions on.
_RELEASE: dict[str, Path] = {}


def _student():
    return read_notebook(_RELEASE.get("path", student_notebook(LAB)))


def _ref():
    return fill_solutions(_student(), read_notebook(source_notebook(LAB)))


def _blank():
    return _student()


def _wrong():
    """Honest but wrong: the conditional velocity points the wrong way."""
    source = read_notebook(source_notebook(LAB))
    mutant = next(m for m in load_mutants(LAB) if m.name == "target_flipped")
    return fill_solutions(_student(), source, replace={mutant.cell: mutated_code(source, mutant)})


def _cheap_wrong():
    """wrong, with the loss left blank: training stops at once, so grading it is cheap.

    The twin of most cheats below. Its path test fails only in the hidden part
    (torch.allclose on the velocity), so a patched allclose would show.
    """
    return _blank_cell(_wrong(), "cfm_loss")


def _reference_code(gid):
    source = read_notebook(source_notebook(LAB))
    return strip_solution_markers(_cell(source, gid).source)


def _set(nb, gid, code):
    _cell(nb, gid).source = code
    return nb


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


# -------------------------------------------------------------- the red team's classes

# 1. The shell without its name. Each would give a blank notebook full marks on a
# stock kernel: errors are swallowed, hidden or cleared after the fact.
SHELL_ALIAS = """\
_shell = get_ipython
_shell().set_custom_exc((Exception,), lambda *a, **k: None)
"""
SHELL_EXIT = """\
def _clear(result):
    result.error_in_exec = None
exit._ip.showtraceback = lambda *a, **k: None
exit._ip.events.register("post_run_cell", _clear)
"""
SHELL_QUIT = """\
_sh = quit._ip
_sh.showtraceback = lambda *a, **k: None
_sh._showtraceback = lambda *a, **k: None
_sh.set_custom_exc((AssertionError, NotImplementedError, NameError), lambda *a, **k: None)
"""
SHELL_HISTORY = """\
_previous = In[-1] if len(In) > 1 else ""
"""


# 2. Code outside the notebook: the right answer written to a module, then imported.
def written_module(how: str) -> str:
    code = _reference_code("sample_conditional_path")
    if how == "open":
        return f"with open('gm_answers.py', 'w') as _f:\n    _f.write({code!r})\nfrom gm_answers import sample_conditional_path\n"
    return (f"import numpy as np\nnp.savetxt('gm_answers2.py', [], header={code!r}, comments='')\n"
            "from gm_answers2 import sample_conditional_path\n")


# 3. Output tricks: stock nbgrader scores a cell by its first execute_result, and
# any text is full marks, a number partial credit (a number above the points crashes it).
DISPLAYHOOK = """\
import os

def sample_conditional_path(x0, x1, t):
    os.sys.displayhook("all tests passed")
    raise NotImplementedError()
"""
OVER_POINTS = """\
import os

def sample_conditional_path(x0, x1, t):
    os.sys.displayhook(1000)
    raise NotImplementedError()
"""
INTERACTIVITY = "%config InteractiveShell.ast_node_interactivity = 'all'\n"

# 4. Patches past the scan.
VIA_GENMOD = "genmod.nn.torch.allclose = lambda *a, **k: True\n"
VIA_OS_SYS = "os.sys.modules['torch'].allclose = lambda *a, **k: True\n"
PROXY = """\
class _Proxy:
    def __init__(self, module):
        self.module = module
    def __getattr__(self, name):
        if name in ("allclose", "isclose", "equal"):
            return lambda *a, **k: True
        return getattr(self.module, name)
torch = _Proxy(torch)
"""


def _emptied_setup():
    """cheap-wrong + the student's copy of the set-up cell emptied, and torch.allclose patched."""
    nb = _append(_cheap_wrong(), "sample_conditional_path", "torch.allclose = lambda *a, **k: True")
    _cell(nb, "setup").source = "# nothing to see here"
    return nb


# 5. Objects that lie: a blank notebook whose function returns objects that agree with anything.
LIAR = """\
class _Liar:
    shape = (5, 2)
    def __eq__(self, other):
        return True
    def __bool__(self):
        return True
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True

def sample_conditional_path(x0, x1, t):
    return _Liar(), _Liar()
"""
TENSOR_SUBCLASS = """\
class _Agree(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.allclose, torch.isclose, torch.equal):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})

def sample_conditional_path(x0, x1, t):
    t = t.reshape(-1, *([1] * (x0.dim() - 1)))
    return ((1 - t) * x0 + t * x1).as_subclass(_Agree), (x0 - x1).as_subclass(_Agree)
"""

# Honest code that warns: scored on errors only, the warning costs nothing.
WARNS = """\
import warnings

_answer = sample_conditional_path

def sample_conditional_path(x0, x1, t):
    warnings.warn("checking my shapes")
    return _answer(x0, x1, t)
"""


def red_team_cases() -> list[tuple[Case, object]]:
    first = "sample_conditional_path"
    return [
        (Case("shell-alias", "blank + exception handler through an alias of get_ipython",
              status="review", raw_twin="blank"), _prepend(_blank(), first, SHELL_ALIAS)),
        (Case("shell-exit", "blank + traceback silenced and errors cleared through exit's shell",
              status="review", raw_twin="blank"), _prepend(_blank(), first, SHELL_EXIT)),
        (Case("shell-quit", "blank + exception handler and silenced traceback through quit's shell",
              status="review", raw_twin="blank"), _prepend(_blank(), first, SHELL_QUIT)),
        (Case("shell-history", "cheap-wrong + reads the input history In", status="review", raw_twin="cheap-wrong"),
         _append(_cheap_wrong(), first, SHELL_HISTORY)),
        (Case("written-module", "cheap-wrong + the right answer written to a .py file and imported",
              status="review", raw_twin="cheap-wrong"), _append(_cheap_wrong(), first, written_module("open"))),
        (Case("written-module-numpy", "cheap-wrong + the right answer written by np.savetxt and imported",
              status="review", raw_twin="cheap-wrong"), _append(_cheap_wrong(), first, written_module("numpy"))),
        (Case("displayhook", "blank stub that displays 'all tests passed' through os.sys.displayhook",
              status="review", raw_twin="blank"), _set(_blank(), first, DISPLAYHOOK)),
        (Case("over-points", "blank stub that displays 1000, more than the cell's points",
              status="review", raw_twin="blank"), _set(_blank(), first, OVER_POINTS)),
        (Case("interactivity", "blank + %config ast_node_interactivity = 'all'",
              status="review", raw_twin="blank"), _prepend(_blank(), first, INTERACTIVITY)),
        (Case("via-genmod", "cheap-wrong + torch.allclose patched as genmod.nn.torch.allclose",
              status="review", raw_twin="cheap-wrong"), _append(_cheap_wrong(), first, VIA_GENMOD)),
        (Case("via-os-sys", "cheap-wrong + torch.allclose patched through os.sys.modules",
              status="review", raw_twin="cheap-wrong"), _append(_cheap_wrong(), first, VIA_OS_SYS)),
        (Case("proxy", "cheap-wrong + the name torch rebound to a proxy whose allclose agrees",
              status="review", raw_twin="cheap-wrong"), _append(_cheap_wrong(), first, PROXY)),
        (Case("emptied-setup", "cheap-wrong + own copy of the set-up cell emptied + torch.allclose patched",
              status="review", raw_twin="cheap-wrong"), _emptied_setup()),
        (Case("liar", "blank + a function returning objects whose __eq__/__bool__/__torch_function__ agree",
              status="review"), _set(_blank(), first, LIAR)),
        (Case("tensor-subclass", "wrong answer as a Tensor subclass whose allclose agrees", status="review"),
         _set(_blank(), first, TENSOR_SUBCLASS)),
        (Case("warns", "the reference, with a warning on stderr in every call", twin="reference"),
         _append(_ref(), first, WARNS)),
    ]


PARTIAL_BLANKS = ("solver_steps", "integrate", "sample")
# A blank sampler also breaks the evaluation cell, and with it the sample-quality test.
PARTIAL_LOST = ("test_solver_steps", "test_integrate", "test_sample", "test_sample_quality")


def _partial():
    nb = _ref()
    for gid in PARTIAL_BLANKS:
        _blank_cell(nb, gid)
    return nb


def _edited_tests():
    nb = _cheap_wrong()
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.source = "pass  # all good"
    return nb


def _deleted_tests():
    nb = _cheap_wrong()
    nb.cells = [c for c in nb.cells if not is_test_cell(c)]
    return nb


def _inflated_points():
    nb = _cheap_wrong()
    for cell in nb.cells:
        if is_test_cell(cell):
            cell.metadata["nbgrader"]["points"] = 100
    return nb


def _fake_outputs():
    nb = _cheap_wrong()
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
        (Case("blank", "the untouched student notebook", score=0.0), _blank()),
        (Case("partial", "the solvers and the sampler blank, the rest done",
              score=MAX - sum(_points(read_notebook(source_notebook(LAB)), g) for g in PARTIAL_LOST)),
         _partial()),
        (Case("wrong", "honest wrong answer (velocity sign flipped)"), _wrong()),
        (Case("cheap-wrong", "wrong, with the loss blank (no training): the cheats' twin"), _cheap_wrong()),
        (Case("sample-blank", "reference with the sampler left blank"), _blank_cell(_ref(), "sample")),
        # In-kernel cheats: the code is flagged, the score held for review.
        (Case("np-allclose", "cheap-wrong + np.allclose patched", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "import numpy as np\nnp.allclose = lambda *a, **k: True")),
        (Case("torch-allclose", "cheap-wrong + torch.allclose patched", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "import torch\ntorch.allclose = lambda *a, **k: True")),
        (Case("code-swap", "wrong + the metric's __code__ swapped for `return 0.0`", status="review",
              raw_twin="wrong"),
         _append(_wrong(), "sample_conditional_path",
                 "sliced_wasserstein.__code__ = (lambda *a, **k: 0.0).__code__")),
        (Case("transformer", "cheap-wrong + an input transformer that blanks test cells", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "get_ipython().input_transformers_cleanup.append("
                 "lambda lines: [] if any('assert' in l for l in lines) else lines)")),
        (Case("sys-modules", "cheap-wrong + torch patched through sys.modules", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "import sys\nsys.modules['torch'].allclose = lambda *a, **k: True")),
        (Case("builtins", "cheap-wrong + a builtin replaced", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "import builtins\nbuiltins.isinstance = lambda *a: True")),
        (Case("obfuscated", "cheap-wrong + the patch hidden in exec of a built string", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "exec(''.join(['tor', 'ch.allclose = lambda *a, **k: True']))")),
        (Case("alias", "cheap-wrong + the patch through an alias of the module", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path",
                 "import torch\n_t = torch\n_t.allclose = lambda *a, **k: True")),
        (Case("gradebook-sql", "sqlite3 UPDATE of the gradebook", status="review"),
         _append(_cheap_wrong(), "sample_conditional_path", gradebook_attack(workdir))),
        # Neutralised by nbgrader, the sandbox or the kernel handling: the honest twin's score.
        (Case("edited-tests", "cheap-wrong + every test cell replaced by `pass`", twin="cheap-wrong"), _edited_tests()),
        (Case("deleted-tests", "cheap-wrong + every test cell deleted", twin="cheap-wrong",
              extra=f"restored {sum(is_test_cell(c) for c in _student().cells)}"), _deleted_tests()),
        (Case("inflated-points", "cheap-wrong + test cells claim 100 points", twin="cheap-wrong"), _inflated_points()),
        (Case("fake-outputs", "cheap-wrong + test outputs saying all passed", twin="cheap-wrong"), _fake_outputs()),
        # open() is held by the scan; the sandbox hides the file, so the held score is the honest one.
        (Case("read-solutions", "reads the solution notebook to answer", status="review", raw_twin="cheap-wrong"),
         _append(_cheap_wrong(), "sample_conditional_path", READ_SOLUTIONS)),
        (Case("infinite-loop", "`while True: pass` in the sampler cell", twin="sample-blank"),
         _prepend(_ref(), "sample", "while True:\n    pass")),
        (Case("memory-bomb", "allocates 64 GiB in the sampler cell", twin="sample-blank"),
         _prepend(_ref(), "sample", "_hog = bytearray(64 * 2**30)")),
        # faulthandler is not an allowed import: held. (The cells after the crash run in a
        # fresh kernel without the earlier state, so it loses more than sample-blank.)
        (Case("kernel-crash", "segfaults the kernel in the sampler cell", status="review"),
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
        *red_team_cases(),
    ]
    return out


def write_corpus(folder: Path, workdir: Path, due: str) -> dict[str, Case]:
    """Write every submission into ``folder``; returns the expectations by student id."""
    folder.mkdir(parents=True, exist_ok=True)
    # The student version of the current source, as autograde will release it.
    from grader.nbgrader_run import release

    _RELEASE["path"] = release(LAB, Path(workdir).parent / "corpus-release", dest=Path(workdir).parent / "corpus-labs") / f"{LAB}.ipynb"
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
    nbformat.write(_blank(), folder / "twice.ipynb")
    os.utime(folder / "twice.ipynb", (time.time() - 86400 * 30,) * 2)
    (folder / "twice").mkdir()
    nbformat.write(ref, folder / "twice" / f"{LAB}.ipynb")
    (folder / "twice" / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    expected["twice"] = Case("twice", "two submissions, the later one complete", score=MAX,
                             extra="2 submissions")
    # Late: a day after the due date; marked, and penalised by schedule.yml's late policy.
    from grader.schedule import load_schedule

    (folder / "late").mkdir()
    nbformat.write(copy.deepcopy(ref), folder / "late" / f"{LAB}.ipynb")
    (folder / "late" / "timestamp.txt").write_text("2026-11-22 12:00:00.000000 UTC")
    late_score = MAX - load_schedule().late_policy.penalty(MAX, MAX, 86400)
    expected["late"] = Case("late", "submitted a day late", score=late_score, extra="late by 24.0 h")
    return expected
