#!/usr/bin/env python3
"""Self-check of a lab notebook: run it top to bottom and say which visible tests pass.

    python check.py labs/flow_matching/flow_matching.ipynb

The notebook runs in a scratch copy (your file is not changed), in its own
folder, with the Python of the kit's environment. The table lists every test
cell with its points, PASS or FAIL and why, the functions still to write, and
failures that only follow from an earlier one ("not run: ... because `sample`
is not written yet"). A test cell earns its points when it runs without an
error; warnings and printed output never cost anything.

Only the tests you can see in the notebook run here. The grader adds hidden
tests to the same cells, so a function that passes here can still lose points.
"""

from __future__ import annotations

import argparse
import ast
import logging
import os
import re
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A traceback frame as IPython prints it: "Cell In[3], line 14, in ddim_step(...)" or
# "File /path/to/module.py:12, in helper(...)".
FRAME = re.compile(r"^(?:Cell In\[\d+\], line \d+|File .*?:\d+), in (\w+)\(", re.M)
CELL_LINE = re.compile(r"^Cell In\[\d+\], line (\d+)", re.M)
UNDEFINED = re.compile(r"name '(\w+)' is not defined")

REMINDER = ("Hidden tests also grade your submission: each test cell above gets more checks when it\n"
            "is graded, so a function that passes here can still lose points. A test cell earns its\n"
            "points when it runs without an error; warnings and printed output never cost anything.")


class CheckError(Exception):
    """The notebook cannot be checked; the message says why, in one line."""


@dataclass
class CellResult:
    grade_id: str       # the test cell's nbgrader id
    points: float
    passed: bool
    message: str        # why it failed, for a student ("" when it passed)
    checks: tuple = ()  # the student's functions the test cell calls

    @property
    def label(self) -> str:
        """What the test is about: the functions it calls, else its id in words."""
        if self.checks:
            return ", ".join(self.checks)
        return self.grade_id.removeprefix("test_").replace("_", " ")


# ------------------------------------------------------------------ the notebook

def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_test_cell(cell) -> bool:
    meta = _meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and cell.get("cell_type") == "code"


def is_solution_cell(cell) -> bool:
    return bool(_meta(cell).get("solution")) and cell.get("cell_type") == "code"


def read_notebook(path: Path):
    """Read and validate a notebook, or raise a :class:`CheckError` that says what is wrong."""
    import json

    import nbformat
    from nbformat.reader import NotJSONError

    path = Path(path)
    if not path.exists():
        raise CheckError(f"{path}: no such file")
    if path.suffix != ".ipynb":
        raise CheckError(f"{path}: not a notebook (expected a .ipynb file)")
    try:
        nb = nbformat.read(path, as_version=4)
    except json.JSONDecodeError as exc:
        raise CheckError(f"{path}: not valid notebook JSON ({exc.msg} at line {exc.lineno})") from None
    except NotJSONError:
        raise CheckError(f"{path}: not valid notebook JSON (is it truncated, or another kind of file?)") from None
    except UnicodeDecodeError:
        raise CheckError(f"{path}: not a text file (cannot decode it as UTF-8)") from None
    except Exception as exc:  # nbformat raises several types for structurally broken files
        raise CheckError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        raise CheckError(f"{path}: notebook does not follow the nbformat schema ({exc.message})") from None
    if not any(is_test_cell(c) for c in nb.cells):
        raise CheckError(f"{path}: has no test cells (is this a lab notebook?)")
    return nb


def _parse(source: str):
    """The cell's syntax tree (IPython's %magics and !commands blanked), or None."""
    python = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines())
    try:
        return ast.parse(python)
    except SyntaxError:
        return None


def _called_name(node) -> str | None:
    if isinstance(node, ast.Call):
        node = node.func
    return node.id if isinstance(node, ast.Name) else None


def _is_stub(func) -> bool:
    return any(isinstance(n, ast.Raise) and n.exc is not None and _called_name(n.exc) == "NotImplementedError"
               for n in ast.walk(func))


def student_functions(source: str) -> list[tuple[str, bool]]:
    """The functions (and classes) a solution cell defines, each with "still a stub"."""
    tree = _parse(source)
    if tree is None:  # a syntax error: the names still tell the student which function to fix
        stub = "NotImplementedError" in source
        return [(name, stub) for name in re.findall(r"^(?:def|class)\s+(\w+)", source, re.M)]
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append((node.name, _is_stub(node)))
    return found


def defined_names(source: str) -> set[str]:
    """Names a cell sets at the top level: assignments, loop variables, defs, classes, imports."""
    tree = _parse(source)
    if tree is None:
        return {a or b for a, b in re.findall(r"^(?:def|class)\s+(\w+)|^(\w+)\s*=", source, re.M)}
    names: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(child.name)
                continue  # their bodies are another scope
            if isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                continue
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                names.add(child.id)
            elif isinstance(child, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in child.names)
            visit(child)

    visit(tree)
    return names


# ------------------------------------------------------------------ running it

def _kernel_manager():
    """A kernel of this very Python (where genmod is installed), whatever kernels Jupyter knows.

    With no kernel folders to search, jupyter_client falls back to ipykernel's own
    "python3" spec, which starts ``sys.executable``; a student's personal "python3"
    kernel pointing at another Python would otherwise run the notebook without genmod.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))


def run_notebook(nb, folder: Path, timeout: int) -> tuple[float, int | None]:
    """Execute ``nb`` in place with its working directory ``folder``.

    Returns the seconds it took and, if the kernel died, the index of the cell it
    died in (the cells after it did not run). The kernel's own stderr (jupyter_client's
    "running over TCP without encryption" and the like) goes to a scratch file, not to
    the screen. A cell that runs past ``timeout`` is interrupted and fails; the next
    cells still run.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    os.environ.setdefault("GENMOD_PROGRESS", "0")  # no progress bars: nobody watches them here
    client = NotebookClient(nb, km=_kernel_manager(), timeout=timeout, allow_errors=True,
                            interrupt_on_timeout=True, resources={"metadata": {"path": str(folder)}})
    running: list[int] = []
    client.on_cell_start = lambda cell, cell_index: running.append(cell_index)
    quiet = [logging.getLogger(name) for name in ("traitlets", "nbclient", "jupyter_client")]
    levels = [log.level for log in quiet]
    died_at = None
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as kernel_stderr, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for log in quiet:
            log.setLevel(logging.CRITICAL)
        try:
            client.execute(stderr=kernel_stderr)
        except DeadKernelError:
            if not running:
                raise CheckError("the kernel died before the notebook started") from None
            died_at = running[-1]
        except Exception as exc:  # a kernel that would not start, a broken installation
            raise CheckError(f"execution stopped: {type(exc).__name__}: {exc}") from None
        finally:
            for log, level in zip(quiet, levels):
                log.setLevel(level)
    return time.perf_counter() - start, died_at


# ------------------------------------------------------------------ what went wrong, in words

@dataclass
class _Error:
    ename: str
    evalue: str
    traceback: str


def _error_of(cell) -> _Error | None:
    """The error a cell raised, if any. Printed output and warnings are not errors."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _Error(out.get("ename", "Error"), ANSI.sub("", out.get("evalue", "")).strip(),
                          ANSI.sub("", "\n".join(out.get("traceback", []))))
    return None


def _code(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _describe(cell, err: _Error, todo: list[str], student: set[str], timeout: int) -> str:
    """One line for the error a cell raised itself."""
    frames = FRAME.findall(err.traceback)
    if err.ename == "NotImplementedError":
        stubs = [f for f in frames if f in todo]
        if stubs:
            # The stub that raised, with the other unwritten functions this cell calls.
            tested = [n for n in dict.fromkeys(_names_in_order(cell.source)) if n in todo] if is_test_cell(cell) else []
            names = tested if stubs[-1] in tested else stubs[-1:]
            verb = "is" if len(names) == 1 else "are"
            return f"{_code(names)} {verb} not written yet (NotImplementedError)"
    if err.ename == "KeyboardInterrupt":
        return f"stopped at the time limit of {timeout} s (an endless loop?)"
    # IPython names a cell's code after a scratch file: "invalid syntax (3991187575.py, line 13)".
    evalue = re.sub(r"\(\S+\.py, line (\d+)\)", r"(line \1 of its cell)", err.evalue)
    message = f"{err.ename}: {evalue}" if evalue else err.ename
    if err.ename == "AssertionError" and not err.evalue:
        lines = CELL_LINE.findall(err.traceback)
        source = cell.source.splitlines()
        if lines and int(lines[0]) <= len(source):
            message += f" at `{source[int(lines[0]) - 1].strip()}`"
    inside = [f for f in frames if f in student]
    if inside:
        message += f" (in {_code(inside[-1:])})"
    return message


KERNEL_DIED = ("the kernel died in this cell (a crash in compiled code, os._exit, "
               "or out of memory); the cells after it did not run")


def analyse(nb, timeout: int = 120, died_at: int | None = None) -> tuple[list[CellResult], list[str]]:
    """The test cells' results and the functions still to write, from an executed notebook.

    ``died_at``: the index of the cell the kernel died in, if it did.
    """
    todo: list[str] = []
    student: set[str] = set()
    for cell in nb.cells:
        if is_solution_cell(cell):
            functions = student_functions(cell.source)
            student.update(name for name, _ in functions)
            todo += [name for name, stub in functions if stub]
            if not functions and "NotImplementedError" in cell.source:
                todo.append(_meta(cell).get("grade_id") or "an unnamed answer cell")

    results = []
    # name -> why it is missing, for the NameError of a later cell: the cell meant to set it
    # failed. The root cause is kept, so a chain of failures reads as its first link.
    missing_because: dict[str, str] = {}
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        err = _error_of(cell)
        why = ""
        if died_at is not None and index >= died_at:
            why = KERNEL_DIED if index == died_at else "not run: the kernel died in an earlier cell"
            err = _Error("DeadKernel", why, "")
        elif err is not None:
            undefined = UNDEFINED.search(err.evalue) if err.ename == "NameError" else None
            if undefined and undefined.group(1) in missing_because:
                root = missing_because[undefined.group(1)]
                why = f"not run: `{undefined.group(1)}` is missing because {root}"
            else:
                why = _describe(cell, err, todo, student, timeout)
                root = (why.removesuffix(" (NotImplementedError)") if why.endswith("not written yet (NotImplementedError)")
                        else f"the cell that sets it failed: {why}")
            for name in defined_names(cell.source):
                missing_because[name] = root
        else:
            for name in defined_names(cell.source):
                missing_because.pop(name, None)
        if is_test_cell(cell):
            calls = tuple(n for n in dict.fromkeys(_names_in_order(cell.source)) if n in student)
            results.append(CellResult(_meta(cell).get("grade_id") or "?", float(_meta(cell).get("points", 0)),
                                      err is None, why, calls))
    return results, todo


def _names_in_order(source: str) -> list[str]:
    tree = _parse(source)
    if tree is None:
        return re.findall(r"\b\w+\b", source)
    nodes = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
    return [n.id for n in sorted(nodes, key=lambda n: (n.lineno, n.col_offset))]


def check_notebook(path: Path, timeout: int = 120) -> tuple[list[CellResult], list[str], float]:
    """Run ``path`` in a scratch copy; return the test cells' results, the functions to write, the time."""
    nb = read_notebook(path)
    # The notebook runs in its own folder, as in Jupyter, so relative paths behave.
    elapsed, died_at = run_notebook(nb, Path(path).resolve().parent, timeout)
    results, todo = analyse(nb, timeout, died_at)
    return results, todo, elapsed


def format_report(path: Path, results: list[CellResult], todo: list[str], elapsed: float) -> str:
    rows = [("result", "points", "test of", "what happened")]
    for r in results:
        rows.append(("PASS" if r.passed else "FAIL", f"{r.points if r.passed else 0:g} / {r.points:g}",
                     r.label, "" if r.passed else r.message))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{Path(path).name}: visible tests, ran in {elapsed:.1f} s", ""]
    for row in rows:
        lines.append("  " + "  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)) + "  " + row[3])
        lines[-1] = lines[-1].rstrip()
    passed = [r for r in results if r.passed]
    lines += ["", f"visible tests: {len(passed)} of {len(results)} test cells pass, "
                  f"{sum(r.points for r in passed):g} of {sum(r.points for r in results):g} points"]
    lines.append("still to do: " + ", ".join(todo) if todo else "still to do: nothing, every function is written")
    lines += ["", REMINDER]
    return "\n".join(lines)


# ------------------------------------------------------------------ command line

def _kit_python() -> Path | None:
    """The Python of the kit's environment (made by setup_kit.py), if there is one."""
    venv = Path(__file__).resolve().parent / ".venv"
    for exe in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if exe.exists():
            return exe
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="check.py", description=__doc__.split("\n\n")[0],
                                     epilog="Example: python check.py labs/flow_matching/flow_matching.ipynb")
    parser.add_argument("notebook", type=Path, help="the lab notebook to check (.ipynb)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds a cell may run (default 120)")
    args = parser.parse_args(argv)

    kit_python = _kit_python()
    if kit_python is not None and Path(sys.prefix).resolve() != kit_python.parent.parent.resolve():
        # Started with another Python (`python3 check.py ...`): run again in the kit's environment.
        import subprocess

        return subprocess.call([str(kit_python), str(Path(__file__).resolve()),
                                *(sys.argv[1:] if argv is None else argv)])
    try:
        import nbclient  # noqa: F401  (only to say clearly that the environment is missing)
    except ImportError:
        print("error: the kit is not set up here (nbclient is missing): run `python3 setup_kit.py` first",
              file=sys.stderr)
        return 2
    try:
        results, todo, elapsed = check_notebook(args.notebook, timeout=args.timeout)
    except CheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_report(args.notebook, results, todo, elapsed))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
