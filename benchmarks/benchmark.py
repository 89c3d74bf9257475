"""Time what readers, students and contributors wait for, and write the table of benchmarks.md.

    .venv/bin/python benchmarks/benchmark.py                    # everything (about 25 min on 2 cores)
    .venv/bin/python benchmarks/benchmark.py --skip-test-suite  # all but `make test`
    .venv/bin/python benchmarks/benchmark.py --labs gans --skip-build --skip-test-suite

Measured, each as the wall time of one run:

* the full book build from clean: a strict ``jupyter-book build`` into an empty
  folder, so every chapter executes (the execution cache starts empty);
* the cached rebuild: the same command again with nothing changed;
* each lab's reference solution executed top to bottom, as a student runs it and
  as nbgrader grades it (``NBGRADER_EXECUTION=autograde`` shortens the training),
  the way tests/test_solutions_run.py runs it;
* the whole test suite, ``make test`` (the README's test command).

A wall time depends on the machine and on what else it runs, so the page records
the machine and the date with the numbers. These are measurements, not tests:
nothing here fails when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "benchmarks.md"
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))
STRICT = ["-W", "-n", "--keep-going"]  # as `make book`

# Targets of issue #5 and of the README (a lab runs in about 30 s, about 10 s graded).
TARGET_FULL_BUILD = 300.0
TARGET_CACHED_BUILD = 20.0
TARGET_LAB = 30.0
TARGET_LAB_GRADED = 10.0
TARGET_TEST_SUITE = 1800.0  # about 30 minutes from a fresh clone with the course's 16 labs


@dataclass
class Row:
    what: str
    seconds: float | None  # None: not measured in this run
    target: float
    note: str = ""

    def cells(self) -> list[str]:
        if self.seconds is None:
            measured, verdict = "not measured", ""
        else:
            measured = f"{self.seconds:.1f}"
            verdict = "yes" if self.seconds <= self.target else "**no**"
        return [self.what, measured, f"{self.target:g}", verdict, self.note]


def machine() -> dict[str, str]:
    """Cores, CPU model, memory and software: what a wall time depends on."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
        kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass  # not Linux: keep what platform says
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"
    return {"cores": str(os.cpu_count()), "CPU": cpu, "memory": memory or "unknown",
            "system": f"{platform.system()} {platform.release()}",
            "Python": platform.python_version(), "load": load,
            "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}


def timed(command: list[str], **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, proc


def time_book_builds() -> list[Row]:
    """The full build from an empty folder, then the same build again (all cached)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-book-") as out:
        command = [JUPYTER_BOOK, "build", str(REPO), "--path-output", out, *STRICT]
        for what, target in (("Book: full executed build from clean", TARGET_FULL_BUILD),
                             ("Book: cached rebuild, nothing changed", TARGET_CACHED_BUILD)):
            print(f"{what} ...", flush=True)
            seconds, proc = timed(command, timeout=3600)
            if proc.returncode != 0:
                sys.exit(f"the book build failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
            print(f"  {seconds:.1f} s", flush=True)
            rows.append(Row(what, seconds, target))
    return rows


def run_notebook(path: Path, graded: bool) -> float:
    """Wall time of executing ``path`` in a fresh kernel; exits if a cell fails."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # The kernel inherits this process's environment when it starts.
    saved = dict(os.environ)
    os.environ["GENMOD_PROGRESS"] = "0"
    if graded:
        os.environ["NBGRADER_EXECUTION"] = "autograde"
    else:
        os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-lab-") as workdir:
            start = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": workdir}}).execute()
            return time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)


def time_labs(names: list[str]) -> list[Row]:
    rows = []
    for lab in names:
        path = REPO / "solutions" / lab / f"{lab}.ipynb"
        for graded, target in ((False, TARGET_LAB), (True, TARGET_LAB_GRADED)):
            what = f"Lab `{lab}`: reference solution, " + ("as graded" if graded else "as a student runs it")
            print(f"{what} ...", flush=True)
            seconds = run_notebook(path, graded)
            print(f"  {seconds:.1f} s", flush=True)
            rows.append(Row(what, seconds, target))
    return rows


def time_test_suite() -> Row:
    print("Test suite: make test ...", flush=True)
    seconds, proc = timed(["make", "test"], timeout=7200)
    print(f"  {seconds:.1f} s (exit status {proc.returncode})", flush=True)
    return Row("Test suite: `make test`, every test", seconds, TARGET_TEST_SUITE,
               "" if proc.returncode == 0 else f"failed (exit status {proc.returncode})")


def render(rows: list[Row], host: dict[str, str], note: str = "") -> str:
    """The page benchmarks.md: what was measured, on which machine, and how to measure again."""
    header = ["Measurement", "Seconds", "Target (s)", "Within target", "Note"]
    table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    table += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    lines = [
        "# Benchmarks",
        "",
        "Wall times of what readers, students and contributors wait for. Written by",
        "`benchmarks/benchmark.py`; do not edit by hand, run it again:",
        "",
        "```bash",
        ".venv/bin/python benchmarks/benchmark.py       # --help lists the parts that can be skipped",
        "```",
        "",
        "The full build starts from an empty folder, so every chapter executes; the cached",
        "rebuild repeats it with nothing changed. A lab's time is its reference solution run",
        "top to bottom in a fresh kernel, as a student runs it and as nbgrader grades it",
        "(training is shortened while graded). The test suite is `make test`.",
        "",
        *table,
        "",
        f"Machine: {host['cores']} cores ({host['CPU']}), {host['memory']} of memory, {host['system']},",
        f"Python {host['Python']}. Measured {host['date']}; the one-minute load average was",
        f"{host['load']} when the measurements started (0 on an idle machine).",
    ]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-build", action="store_true", help="do not time the book builds")
    parser.add_argument("--skip-labs", action="store_true", help="do not time the labs")
    parser.add_argument("--skip-test-suite", action="store_true", help="do not time `make test` (the longest)")
    parser.add_argument("--labs", nargs="+", metavar="LAB", help="time only these labs (default: all)")
    parser.add_argument("--note", default="", help="a line for the page, e.g. that the machine was shared")
    parser.add_argument("--output", type=Path, default=PAGE, help="where to write the page (default: %(default)s)")
    args = parser.parse_args(argv)
    host = machine()  # before measuring: the load average says what else was running

    all_labs = sorted(p.name for p in (REPO / "solutions").iterdir() if (p / f"{p.name}.ipynb").is_file())
    unknown = sorted(set(args.labs or []) - set(all_labs))
    if unknown:  # before the builds: a typo should not cost minutes first
        parser.error(f"no lab called {', '.join(unknown)}; the labs are: {', '.join(all_labs)}")
    rows = time_book_builds() if not args.skip_build else [
        Row("Book: full executed build from clean", None, TARGET_FULL_BUILD),
        Row("Book: cached rebuild, nothing changed", None, TARGET_CACHED_BUILD)]
    if args.skip_labs:
        rows += [Row("Labs: reference solutions", None, TARGET_LAB)]
    else:
        rows += time_labs(args.labs or all_labs)
    rows.append(Row("Test suite: `make test`, every test", None, TARGET_TEST_SUITE)
                if args.skip_test_suite else time_test_suite())

    args.output.write_text(render(rows, host, args.note))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
