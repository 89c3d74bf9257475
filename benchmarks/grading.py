"""Benchmark: stock sequential ``nbgrader autograde`` against ``python -m grader autograde``.

    .venv/bin/python benchmarks/grading.py [--lab flow_matching] [-n 20] [--jobs 3 [--jobs 2]]

Writes N synthetic submissions of a lab (the reference, the blank notebook and
the lab's mutants, cycled), grades them once with stock ``nbgrader autograde``
(one process, one submission after the other) and once with the course's
grader (parallel shards, sandboxed kernels), prints both wall times and the
speed-up, and checks that every submission got the same score from both. Not a
test: timings depend on the machine; run it on an otherwise idle one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.mutants import load_mutants, write_submissions  # noqa: E402
from grader.nbgrader_run import (Submission, autograde, default_jobs, prepare_workdir,  # noqa: E402
                                 read_gradebook, run_nbgrader)


def synthetic_submissions(lab: str, n: int, folder: Path) -> list[Submission]:
    described = write_submissions(lab, folder / "pool", load_mutants(lab))
    pool = sorted(described)
    subs = []
    for i in range(n):
        sid = f"s{i:03d}-{pool[i % len(pool)]}"
        shutil.copyfile(folder / "pool" / f"{pool[i % len(pool)]}.ipynb", folder / f"{sid}.ipynb")
        subs.append(Submission(sid, folder / f"{sid}.ipynb"))
    return subs


def stock_nbgrader(lab: str, subs: list[Submission], workdir: Path) -> tuple[float, dict[str, float]]:
    workdir = prepare_workdir(workdir)
    for s in subs:
        dest = workdir / "submitted" / s.student / lab
        dest.mkdir(parents=True)
        shutil.copyfile(s.path, dest / f"{lab}.ipynb")
    # Timed from generate_assignment, as the course's grader is (it releases afresh each run).
    start = time.perf_counter()
    run_nbgrader(workdir, "generate_assignment", lab, "--force")
    run_nbgrader(workdir, "autograde", lab, "--force", check=False)
    elapsed = time.perf_counter() - start
    return elapsed, {s: r.score for s, r in read_gradebook(workdir, lab).items()}


def course_grader(lab: str, subs: list[Submission], workdir: Path, jobs: int) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    results = autograde(lab, subs, workdir, jobs=jobs)
    elapsed = time.perf_counter() - start
    return elapsed, {r.student: (r.raw_score if r.raw_score is not None else r.score) for r in results}


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lab", default="flow_matching")
    parser.add_argument("-n", type=int, default=20, help="number of submissions (default 20)")
    parser.add_argument("--jobs", type=int, action="append",
                        help="shards for the course's grader (default: its own default, one more "
                             "than the cores); give it twice to compare two values")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = synthetic_submissions(args.lab, args.n, tmp / "subs")
        print(f"{args.n} submissions of {args.lab}; {os.cpu_count()} CPU cores; load average "
              f"{_load()} before", flush=True)
        t_stock, stock = stock_nbgrader(args.lab, subs, tmp / "stock")
        print(f"stock nbgrader generate_assignment + autograde (sequential): {t_stock:7.1f} s", flush=True)
        for k, jobs in enumerate(args.jobs or [default_jobs()]):
            t_ours, ours = course_grader(args.lab, subs, tmp / f"ours{k}", jobs)
            print(f"python -m grader autograde --jobs {jobs}:  {t_ours:7.1f} s "
                  f"(release, scan, sandbox and merge included)")
            print(f"speed-up: {t_stock / t_ours:.2f}x (load average {_load()} after: other processes "
                  f"share the cores, so compare runs on an idle machine)", flush=True)
            differ = sorted(s for s in stock if stock[s] != ours.get(s))
            missing = sorted(set(stock) ^ set(ours))
            if differ or missing:
                print(f"DIFFERENT GRADES: {differ} missing: {missing}")
                return 1
            print(f"identical grades for all {len(stock)} submissions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
