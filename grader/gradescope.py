"""Gradescope export: an otter-grader autograder zip built from a lab's nbgrader source.

There is one source of truth for a lab's tests, ``solutions/<lab>/<lab>.ipynb``.
Each of its test cells (``grade: true``, ``solution: false``) becomes one otter
test file of the same name and points, holding the cell's visible asserts and
its hidden tests, so nothing is copied by hand and nothing can drift.

The zip is otter's own (``otter.generate``: ``setup.sh``, ``run_autograder``,
``environment.yml``) plus what the lab needs on Gradescope:

    tests/<grade id>.py                        one exception-based otter test per nbgrader test cell
    otter_config.json                          the plugin below and the cells it restores
    environment.yml                            this Python, otter-grader, the lab's imports pinned from constraints.txt
    files/genmod/                              the helper package; otter puts it next to the notebook
    grader/__init__.py, grader/otter_plugin.py the plugin that makes otter grade as nbgrader does

Otter differs from nbgrader in where tests run (after the notebook, not in
place) and in what it restores; :mod:`grader.otter_plugin` closes both gaps, so
``otter run`` gives the same score as ``nbgrader autograde``. :func:`verify`
proves it on the reference, the blank notebook and every mutant of a lab.

One decision: otter runs the notebook with ``NBGRADER_EXECUTION=autograde``,
as nbgrader does. The labs shorten training when it is set, and their
sample-quality thresholds were measured for that length; with the same code
both graders give the same score, and Gradescope grades as fast as we do.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import REPO, GraderError, check_lab, source_notebook
from grader.notebooks import grade_id, is_solution_cell, is_test_cell, nbgrader_meta, read_notebook

HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"  # nbgrader's delimiters, matched as it does
PLUGIN = "grader.otter_plugin.NbgraderCells"
# What nbgrader's kernel sees (grader/nbgrader_run.py): the labs shorten training under
# NBGRADER_EXECUTION, and a fixed hash seed keeps set and dict orders the same across runs.
GRADING_ENVIRONMENT = {"NBGRADER_EXECUTION": "autograde", "PYTHONHASHSEED": "0"}
OTTER_TIMEOUT = 600  # seconds for one `otter run`; otter itself has no per-cell limit
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"  # the Python the labs are tested on


def zip_name(lab: str) -> str:
    return f"{lab}-autograder.zip"


# --------------------------------------------------------------------------- the tests


@dataclass(frozen=True)
class GradedCell:
    """One nbgrader test cell: its id, its points and its code in parts ``(first line, hidden, code)``."""

    grade_id: str
    points: float
    parts: tuple[tuple[int, bool, str], ...]


def split_hidden(source: str) -> list[tuple[int, bool, str]]:
    """Cut a test cell at its hidden-test markers into ``(first line, hidden, code)`` parts.

    Parts without code (blank lines, comments) are dropped. Each part must be
    valid Python on its own, so that a failing visible assert can be shown to
    the student while the hidden tests stay hidden; a cell whose hidden region
    sits inside a block (``for ...:`` around the markers) stays one hidden part.
    """
    parts: list[tuple[int, bool, list[str]]] = []
    hidden = False
    for number, line in enumerate(source.splitlines(), start=1):
        if HIDDEN_BEGIN in line or HIDDEN_END in line:
            hidden = HIDDEN_BEGIN in line
            continue
        if not parts or parts[-1][1] != hidden:
            parts.append((number, hidden, []))
        parts[-1][2].append(line)
    cut = [(first, h, "\n".join(lines)) for first, h, lines in parts]
    try:
        return [p for p in cut if ast.parse(p[2]).body]
    except SyntaxError:
        return [(1, True, source)]


def graded_cells(source_nb) -> list[GradedCell]:
    cells = []
    for cell in source_nb.cells:
        if not is_test_cell(cell):
            continue
        gid, points = grade_id(cell), float(nbgrader_meta(cell).get("points", 0))
        try:
            compile(cell.source, gid, "exec")
        except SyntaxError as exc:
            raise GraderError(f"test cell {gid}: not plain Python (line {exc.lineno}: {exc.msg}); "
                              "otter runs the tests outside IPython, so no magics") from None
        if points <= 0:
            raise GraderError(f"test cell {gid} has no points; otter would count it as 1 point")
        # A cell may end with an expression: the course scores on errors only
        # (grader/scoring.py), so what it displays is no partial credit in either engine.
        cells.append(GradedCell(gid, points, tuple(split_hidden(cell.source))))
    return cells


TEST_FILE = '''\
"""The nbgrader test cell {name} of the lab {lab}, as an otter-grader test.

Generated by `python -m grader gradescope {lab}` from solutions/{lab}/{lab}.ipynb:
edit the notebook, not this file. The code runs in the notebook's namespace where
the cell stands (grader/otter_plugin.py puts it there), and is scored as nbgrader
scores a cell (grader/scoring.py): an exception fails it, output never counts, and
the cell earns all of its points or none.
"""

import contextlib
import io
import traceback

from otter.test_files import test_case

OK_FORMAT = False
name = {name!r}
all_or_nothing = True

# The cell's code, cut at the hidden-test markers: (first line in the cell, hidden, code).
PARTS = {parts}
_raised_at = []


def _run(env, index):
    first_line, hidden, code = PARTS[index]
    if _raised_at:
        # An exception ends a notebook cell: nbgrader never runs the rest of it.
        raise AssertionError(f"not run: line {{_raised_at[0]}} of the test cell raised")
    filename = f"<test cell {{name}}>"
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            # The leading newlines keep the cell's own line numbers in tracebacks.
            exec(compile("\\n" * (first_line - 1) + code, filename, "exec"), env)
    except (Exception, SystemExit) as exc:
        frames = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
        _raised_at.append(frames[-1] if frames else first_line)
        message = f"line {{_raised_at[0]}} of the test cell: {{type(exc).__name__}}: {{exc}}"
        raise AssertionError(message[:1000]) from None
'''

TEST_CASE = '''

@test_case(name={label!r}, points={points!r}, hidden={hidden!r})
def part_{index}(env):
    _run(env, {index})
'''


def otter_test_file(lab: str, cell: GradedCell) -> str:
    """The otter test file of one test cell: one test case per part, all points on the last.

    ``all_or_nothing`` makes the file score the cell's points only when every
    part passes, as nbgrader scores the cell; where the points sit only decides
    what Gradescope shows next to each part.
    """
    parts = "[\n" + "".join(f"    ({first}, {hidden}, {_literal(code)}),\n"
                             for first, hidden, code in cell.parts) + "]"
    text = TEST_FILE.format(lab=lab, name=cell.grade_id, parts=parts)
    for index, (_, hidden, _) in enumerate(cell.parts):
        last = index == len(cell.parts) - 1
        label = f"{cell.grade_id}: {'hidden' if hidden else 'visible'} tests"
        text += TEST_CASE.format(label=label, points=_number(cell.points) if last else 0,
                                 hidden=hidden, index=index)
    return text


def _literal(code: str) -> str:
    """``code`` (plus a newline) as a triple-quoted literal, so the test file reads like the cell."""
    literal = '"""\\\n' + code.replace("\\", "\\\\") + '\n"""'
    if '"""' in code or ast.literal_eval(literal) != code + "\n":
        return repr(code + "\n")
    return literal


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


# --------------------------------------------------------------------------- the environment


def _imports(code: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lab_requirements(lab: str) -> list[str]:
    """``name==version`` for every distribution the lab's notebook and ``genmod`` import.

    Found by reading the imports, mapped to the installed distributions that
    provide them, pinned at the versions of ``constraints.txt``: Gradescope
    grades with the versions the labs are tested with.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    to_python = TransformerManager().transform_cell  # notebook cells may hold magics
    modules = set()
    for cell in read_notebook(source_notebook(lab)).cells:
        if cell.cell_type == "code":
            modules |= _imports(to_python(cell.source))
    for path in sorted((REPO / "genmod").rglob("*.py")):
        modules |= _imports(path.read_text())
    modules -= set(sys.stdlib_module_names) | {"genmod"}

    providers = importlib.metadata.packages_distributions()
    pins = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[_normalise(name)] = f"{name.strip()}=={version.strip()}"
    requirements = set()
    for module in sorted(modules):
        if module not in providers:
            raise GraderError(f"lab {lab} imports {module!r}, which no installed distribution provides")
        for dist in providers[module]:
            if _normalise(dist) not in pins:
                raise GraderError(f"lab {lab} needs {dist} (for `import {module}`), which constraints.txt "
                                  "does not pin; pin it there")
            requirements.add(pins[_normalise(dist)])
    return sorted(requirements, key=str.lower)


def otter_config(source_nb) -> dict:
    """``otter_config.json``: the plugin, with the cells it puts back, and nothing else."""
    cells = []
    for cell in source_nb.cells:
        gid = grade_id(cell)
        if not gid:
            continue
        if is_test_cell(cell):
            cells.append({"id": gid, "kind": "test"})
        elif nbgrader_meta(cell).get("locked") and not is_solution_cell(cell) and cell.cell_type == "code":
            if "BEGIN SOLUTION" in cell.source:
                raise GraderError(f"locked cell {gid} holds a solution region; it would ship to Gradescope")
            cells.append({"id": gid, "kind": "locked", "source": cell.source})
        else:  # solutions and locked text: only their place, for putting deleted tests back
            cells.append({"id": gid, "kind": "other"})
    return {"lang": "python",
            "plugins": [{PLUGIN: {"cells": cells, "environment": GRADING_ENVIRONMENT}}]}


# --------------------------------------------------------------------------- the zip


def export_gradescope(lab: str, out_dir: Path) -> Path:
    """Write ``<out_dir>/<lab>-autograder.zip`` from ``solutions/<lab>/<lab>.ipynb``; return its path."""
    from otter.generate import main as otter_generate

    source = read_notebook(source_notebook(check_lab(lab)))
    cells = graded_cells(source)
    if not cells:
        raise GraderError(f"lab {lab}: the source notebook has no test cells")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / zip_name(lab)
    with tempfile.TemporaryDirectory(prefix="gradescope-") as tmp:
        tmp = Path(tmp)
        (tmp / "tests").mkdir()
        for cell in cells:
            (tmp / "tests" / f"{cell.grade_id}.py").write_text(otter_test_file(lab, cell))
        (tmp / "requirements.txt").write_text("\n".join(lab_requirements(lab)) + "\n")
        (tmp / "otter_config.json").write_text(json.dumps(otter_config(source), indent=2))
        built = tmp / target.name
        # Every path explicit: otter.generate otherwise picks up files of the working directory.
        otter_generate(tests_dir=str(tmp / "tests"), output_path=str(built),
                       config=str(tmp / "otter_config.json"), requirements=str(tmp / "requirements.txt"),
                       no_environment=True, python_version=PYTHON_VERSION)
        with zipfile.ZipFile(built, "a", compression=zipfile.ZIP_DEFLATED) as zf:
            # otter copies files/ next to the notebook, so the notebook's `import genmod` finds it.
            for path in sorted((REPO / "genmod").rglob("*.py")):
                zf.write(path, f"files/{path.relative_to(REPO).as_posix()}")
            # run_otter.py's folder is on sys.path on Gradescope: the plugin is importable from there.
            for name in ("__init__.py", "otter_plugin.py"):
                zf.write(REPO / "grader" / name, f"grader/{name}")
        # Complete or absent: a half-copied zip never sits under the final name.
        partial = target.with_name(target.name + ".part")
        shutil.move(built, partial)
        os.replace(partial, target)
    return target


# --------------------------------------------------------------------------- otter run


def _otter_environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Kernels named "python3" are this environment's Python, where genmod and otter live.
    share = str(Path(sys.prefix) / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (share, env.get("JUPYTER_PATH")) if p)
    # otter works in a folder of its own under the temporary directory: keep it in ours,
    # so that a run stopped at the time limit leaves nothing behind.
    env["TMPDIR"] = str(tmp)
    return env


def otter_score(zip_path: Path, notebook: Path,
                timeout: int = OTTER_TIMEOUT) -> tuple[float, float, dict[str, tuple[float, float]]]:
    """Grade ``notebook`` with ``otter run -a zip_path``; return ``(score, max score, {test: (score, max)})``.

    Read from the results JSON otter writes. Caution: otter itself builds that
    JSON by unpickling a file that the student's kernel wrote, so a submission
    can run code in this process; run it on untrusted work only inside a sandbox.
    """
    zip_path, notebook = Path(zip_path).resolve(), Path(notebook).resolve()
    if not zip_path.is_file():
        raise GraderError(f"{zip_path}: no such autograder zip; build it with `python -m grader gradescope LAB`")
    read_notebook(notebook)  # a clear error for a file that is not a notebook, before otter sees it
    with tempfile.TemporaryDirectory(prefix="otter-run-") as tmp:
        tmp = Path(tmp)
        out = tmp / "results"
        out.mkdir()
        cmd = [sys.executable, "-m", "otter", "run", "--no-logo", "-a", str(zip_path), "-o", str(out),
               str(notebook)]
        # A session of its own, so that a run past its time is stopped with everything it started.
        proc = subprocess.Popen(cmd, cwd=tmp, env=_otter_environment(tmp), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise GraderError(f"{notebook.name}: otter run took longer than {timeout} s and was stopped") from None
        results = out / "results.json"
        if not results.is_file():
            last = [ln for ln in log.strip().splitlines() if ln.strip()][-1:] or ["no output"]
            raise GraderError(f"{notebook.name}: otter run failed (exit {proc.returncode}): {last[0][:300]}")
        return parse_results(json.loads(results.read_text()), notebook.name)


def parse_results(results: dict, what: str = "submission") -> tuple[float, float, dict[str, tuple[float, float]]]:
    """Score, max score and per-test scores from otter's Gradescope results JSON."""
    tests = {t["name"]: (float(t["score"]), float(t["max_score"]))
             for t in results.get("tests", []) if "max_score" in t}
    if not tests:  # otter's "Autograder Failed": it could not read the notebook's results
        failed = [t.get("output", "") for t in results.get("tests", [])]
        raise GraderError(f"{what}: otter produced no test results ({(failed or ['?'])[0][:200]})")
    score = float(results.get("score", sum(s for s, _ in tests.values())))
    return score, sum(m for _, m in tests.values()), tests


# --------------------------------------------------------------------------- nbgrader == otter


@dataclass
class Agreement:
    """One submission graded by both: nbgrader's result, otter's, and whether they agree."""

    submission: str
    nbgrader: object                                   # grader.nbgrader_run.Result
    otter_score: float | None = None
    otter_max: float | None = None
    otter_tests: dict[str, tuple[float, float]] = field(default_factory=dict)
    otter_problem: str = ""

    def differences(self) -> list[str]:
        """Everything the two graders disagree on, as short phrases; empty when they agree."""
        nb = self.nbgrader
        if nb.status not in ("graded", "review"):  # a score held for review is still a score
            return [f"nbgrader {nb.status}: {nb.detail}"]
        if self.otter_problem:
            return [f"otter: {self.otter_problem}"]
        found = []
        if abs(nb.score - self.otter_score) > 1e-9 or abs(nb.max_score - self.otter_max) > 1e-9:
            found.append("total")
        for test in sorted(set(nb.tests) | set(self.otter_tests)):
            a, b = nb.tests.get(test), self.otter_tests.get(test)
            if a is None or b is None:
                found.append(f"{test} only in {'otter' if a is None else 'nbgrader'}")
            elif abs(a[0] - b[0]) > 1e-9 or abs(a[1] - b[1]) > 1e-9:
                found.append(f"{test} {a[0]:g} vs {b[0]:g}")
        return found

    @property
    def match(self) -> bool:
        return not self.differences()


def verify(lab: str, workdir: Path, processes: int = 2, timeout: int = OTTER_TIMEOUT,
           one_mutant_per_cell: bool = False) -> list[Agreement]:
    """Grade the reference, the blank notebook and every mutant of ``lab`` with nbgrader and with otter.

    ``one_mutant_per_cell`` keeps only the first mutant of each solution cell
    (the test suite's budget); the command line checks them all.

    nbgrader grades the batch first, then otter runs ``processes`` submissions at
    a time. Not both at once: that would oversubscribe the machine, and
    nbgrader's limit per cell is a time limit a busy machine could trip.
    """
    from grader.mutants import load_mutants, write_submissions
    from grader.nbgrader_run import Submission, autograde

    workdir = Path(workdir)
    zip_path = export_gradescope(lab, workdir / "gradescope")
    folder = workdir / "submissions"
    mutants = load_mutants(lab)
    if one_mutant_per_cell:
        mutants = list({m.cell: m for m in reversed(mutants)}.values())
    notebooks = {sid: folder / f"{sid}.ipynb" for sid in write_submissions(lab, folder, mutants)}
    graded = autograde(lab, [Submission(sid, nb) for sid, nb in notebooks.items()], workdir / "course")

    def run_otter(notebook: Path):
        try:
            return otter_score(zip_path, notebook, timeout)
        except GraderError as exc:
            return str(exc)

    # Threads suffice: each one only waits on its `otter run` process.
    with ThreadPoolExecutor(max_workers=processes) as pool:
        otter = dict(zip(notebooks, pool.map(run_otter, notebooks.values())))
    rows = []
    for result in graded:
        got = otter[result.student]
        if isinstance(got, str):
            rows.append(Agreement(result.student, result, otter_problem=got))
        else:
            rows.append(Agreement(result.student, result, *got))
    return rows


def format_agreement(rows: list[Agreement]) -> str:
    width = max([len("submission")] + [len(r.submission) for r in rows])
    lines = [f"{'submission':<{width}}  {'nbgrader':>9}  {'otter':>9}  match", "-" * (width + 34)]
    for r in rows:
        nb = r.nbgrader
        ours = f"{nb.score:g}/{nb.max_score:g}" if nb.status in ("graded", "review") else nb.status
        theirs = "error" if r.otter_problem else f"{r.otter_score:g}/{r.otter_max:g}"
        diff = r.differences()
        lines.append(f"{r.submission:<{width}}  {ours:>9}  {theirs:>9}  {'yes' if not diff else 'NO'}"
                     + (f"  ({'; '.join(diff)})" if diff else ""))
    agree = sum(r.match for r in rows)
    lines.append(f"{agree} of {len(rows)} submissions get the same scores from nbgrader and otter")
    return "\n".join(lines)
