"""Command line for instructors and students: ``python -m grader <command> --help``.

    release   [LAB ...]                 regenerate labs/ from solutions/ (nbgrader generate_assignment)
    check     NOTEBOOK                  run a notebook's visible tests and list what passes
    autograde LAB SUBMISSIONS           grade a folder of submissions with the hidden tests
    report    LAB                       grades CSV from the gradebook of an earlier autograde
    mutants   LAB                       prove the hidden tests catch the lab's planted bugs
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from grader.course import LABS, REPO, GraderError, available_labs, check_lab


def default_workdir(lab: str) -> Path:
    return REPO / ".grading" / lab


def cmd_release(args) -> int:
    from grader.nbgrader_run import release

    labs = args.labs or available_labs()
    for lab in labs:
        check_lab(lab)
    with tempfile.TemporaryDirectory() as tmp:
        for lab in labs:
            out = release(lab, Path(tmp) / lab, dest=Path(args.dest).resolve())
            print(f"released {lab} -> {out}")
    return 0


def cmd_check(args) -> int:
    from grader.check import check_notebook, format_report

    results, unfinished, elapsed = check_notebook(Path(args.notebook), timeout=args.timeout)
    print(format_report(Path(args.notebook), results, unfinished, elapsed))
    return 0 if all(r.passed for r in results) else 1


def cmd_autograde(args) -> int:
    from grader.nbgrader_run import autograde, find_submissions
    from grader.report import format_table, write_csv

    lab = check_lab(args.lab)
    workdir = Path(args.workdir) if args.workdir else default_workdir(lab)
    subs = find_submissions(Path(args.submissions), lab)
    if not subs:
        raise GraderError(f"{args.submissions}: no submissions found (expected <student>.ipynb "
                          f"or <student>/{lab}.ipynb)")
    print(f"grading {len(subs)} submission(s) of {lab} in {workdir} ...", flush=True)
    results = autograde(lab, subs, workdir, cell_timeout=args.timeout)
    print(format_table(results))
    csv_path = Path(args.csv) if args.csv else workdir / f"grades-{lab}.csv"
    write_csv(results, csv_path)
    print(f"grades written to {csv_path}")
    return 0


def cmd_report(args) -> int:
    from grader.nbgrader_run import read_gradebook
    from grader.report import format_table, write_csv

    lab = check_lab(args.lab)
    workdir = Path(args.workdir) if args.workdir else default_workdir(lab)
    if not (workdir / "gradebook.db").is_file():
        raise GraderError(f"{workdir}: no gradebook here; run `python -m grader autograde {lab} ...` first")
    results = sorted(read_gradebook(workdir, lab).values(), key=lambda r: r.student)
    print(format_table(results))
    csv_path = Path(args.csv) if args.csv else workdir / f"grades-{lab}.csv"
    write_csv(results, csv_path)
    print(f"grades written to {csv_path}")
    return 0


def cmd_mutants(args) -> int:
    from grader.mutants import run_mutation_analysis

    lab = check_lab(args.lab)
    with tempfile.TemporaryDirectory() as tmp:
        report = run_mutation_analysis(lab, Path(args.workdir) if args.workdir else Path(tmp))
    print(report.table())
    problems = report.failures()
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate labs/ from solutions/")
    p.add_argument("labs", nargs="*", help="labs to release (default: all)")
    p.add_argument("--dest", default=str(LABS), help="release folder (default: labs/)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("check", help="run a notebook's visible tests")
    p.add_argument("notebook")
    p.add_argument("--timeout", type=int, default=120, help="seconds per cell (default 120)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("autograde", help="grade a folder of submissions")
    p.add_argument("lab")
    p.add_argument("submissions", help="folder of <student>.ipynb or <student>/<lab>.ipynb")
    p.add_argument("--workdir", help="nbgrader course folder (default: .grading/<lab>)")
    p.add_argument("--csv", help="where to write the grades (default: <workdir>/grades-<lab>.csv)")
    p.add_argument("--timeout", type=int, default=60, help="seconds per cell (default 60)")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("report", help="grades CSV from an earlier autograde")
    p.add_argument("lab")
    p.add_argument("--workdir", help="nbgrader course folder (default: .grading/<lab>)")
    p.add_argument("--csv", help="where to write the grades")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("mutants", help="check that the hidden tests catch the lab's mutants")
    p.add_argument("lab")
    p.add_argument("--workdir", help="keep the grading folder here (default: a temporary folder)")
    p.set_defaults(func=cmd_mutants)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
