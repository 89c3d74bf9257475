"""Command line for instructors and students: ``python -m grader <command> --help``.

    release   [LAB ...] [--week N]      regenerate labs/ from solutions/ (nbgrader generate_assignment)
    schedule                            check schedule.yml and print the weeks, due dates and late policy
    check     NOTEBOOK                  run a notebook's visible tests and list what passes
    autograde LAB SUBMISSIONS           grade a folder of submissions with the hidden tests
    report    LAB                       grades CSV from the gradebook of an earlier autograde
                                        (+ LMS import file, per-test pass rates, plots)
    collect   LAB DOWNLOAD              LMS download (zip or folder) -> <student>/<lab>.ipynb folders
    feedback  LAB                       per-student HTML feedback, hidden tests' code not shown
    accept    LAB STUDENT               release a score held for review (flagged code) after reading it
    mutants   LAB                       prove the hidden tests catch the lab's planted bugs
    gradescope LAB [--verify]           otter-grader autograder zip for Gradescope (--verify: same scores as nbgrader)
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

    labs = list(args.labs)
    if args.week is not None:
        from grader.schedule import load_schedule

        week = load_schedule().week(args.week)
        if week.lab is None:
            raise GraderError(f"schedule.yml: week {args.week} has no lab to release")
        labs.append(week.lab)
    labs = labs or available_labs()
    for lab in labs:
        check_lab(lab)
    with tempfile.TemporaryDirectory() as tmp:
        for lab in labs:
            out = release(lab, Path(tmp) / lab, dest=Path(args.dest).resolve())
            print(f"released {lab} -> {out}")
    return 0


def cmd_schedule(args) -> int:
    from grader.schedule import SCHEDULE, describe_when, load_schedule

    schedule = load_schedule(Path(args.file) if args.file else SCHEDULE)
    for w in schedule.weeks:
        dates = (f"released {describe_when(w.release)}, due {describe_when(w.due)}"
                 if w.lab else "no lab")
        print(f"week {w.week}: {w.chapter}  {w.lab or ''}  {dates}")
    print(f"late policy: {schedule.late_policy.describe()}")
    return 0


def _due_date(args, lab: str):
    """The due date (nbgrader's form) and late policy for ``autograde``: ``--due`` if given,
    else the lab's week in schedule.yml; the policy is schedule.yml's either way."""
    from grader.schedule import SCHEDULE, load_schedule, nbgrader_date, parse_when

    schedule = load_schedule(SCHEDULE) if SCHEDULE.is_file() else None
    policy = schedule.late_policy if schedule else None
    if args.due:
        try:
            return nbgrader_date(parse_when(args.due)), policy, "--due"
        except ValueError as exc:
            raise GraderError(f"--due: {exc}") from None
    week = schedule.for_lab(lab) if schedule else None
    if week is None:
        return None, policy, ""
    return nbgrader_date(week.due), policy, f"schedule.yml, week {week.week}"


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
    due, policy, source = _due_date(args, lab)
    print(f"grading {len(subs)} submission(s) of {lab} in {workdir} ...", flush=True)
    if due:
        print(f"due {due} ({source}); late policy: {policy.describe() if policy else 'none'}")
    else:
        print(f"no due date ({lab} is not in schedule.yml and --due was not given): nothing is late")
    results = autograde(lab, subs, workdir, cell_timeout=args.timeout, jobs=args.jobs,
                        sandbox=args.sandbox, due=due, late_policy=policy,
                        log=lambda m: print(m, flush=True))
    print(format_table(results))
    held = [r for r in results if r.status == "review"]
    if held:
        print(f"{len(held)} score(s) held for review (details in {workdir / 'review.json'}); "
              f"after reading the code: python -m grader accept {lab} STUDENT")
    csv_path = Path(args.csv) if args.csv else workdir / f"grades-{lab}.csv"
    write_csv(results, csv_path)
    print(f"grades written to {csv_path}")
    return 0


def cmd_accept(args) -> int:
    from grader.nbgrader_run import accept_review

    lab = check_lab(args.lab)
    workdir = Path(args.workdir) if args.workdir else default_workdir(lab)
    findings = accept_review(workdir, lab, args.student)
    print(f"released the autograded score of {args.student} for {lab}; the flagged code was:")
    for f in findings:
        print("  " + f)
    print(f"`python -m grader report {lab}` writes the updated grades")
    return 0


def cmd_report(args) -> int:
    from grader.nbgrader_run import current_results
    from grader.report import format_table, write_csv

    lab = check_lab(args.lab)
    workdir = Path(args.workdir) if args.workdir else default_workdir(lab)
    if not (workdir / "gradebook.db").is_file():
        raise GraderError(f"{workdir}: no gradebook here; run `python -m grader autograde {lab} ...` first")
    # Every student graded here, rejected and crashed submissions included.
    results = current_results(workdir, lab)
    print(format_table(results))
    csv_path = Path(args.csv) if args.csv else workdir / f"grades-{lab}.csv"
    write_csv(results, csv_path)
    print(f"grades written to {csv_path}")
    _report_extras(args, lab, workdir, results)
    return 0


def _report_extras(args, lab: str, workdir: Path, results) -> None:
    """The LMS import file, per-test pass rates and plots of `report`, in <workdir>/report/."""
    from grader.report import format_pass_rates, write_instructor_report, write_lms_csv

    outdir = workdir / "report"
    if args.lms:
        path, left_out = write_lms_csv(results, lab, args.lms, outdir / f"{args.lms}-{lab}.csv",
                                       column=args.lms_column)
        print(f"{args.lms} import file written to {path}")
        for line in left_out:
            print(f"  {line}")
    stats, files = write_instructor_report(results, lab, outdir)
    print(f"\npass rate per test ({len(results)} submission(s)):")
    print(format_pass_rates(stats))
    print("written: " + ", ".join(str(f) for f in files))


def cmd_collect(args) -> int:
    from grader.collect import collect

    lab = check_lab(args.lab)
    into = Path(args.into) if args.into else default_workdir(lab) / "inbox"
    report = collect(lab, Path(args.download), into, pattern=args.pattern,
                     max_file_mb=args.max_file_mb, max_total_mb=args.max_total_mb)
    print(report.summary())
    if not any(r.action in ("collected", "unchanged", "kept") for r in report.rows):
        print("nothing collected: is --pattern right? (presets: canvas, moodle, plain; or a regex "
              "with (?P<student>...))")
        return 1
    return 0


def cmd_feedback(args) -> int:
    from grader.feedback import format_run, generate_feedback

    lab = check_lab(args.lab)
    workdir = (Path(args.workdir) if args.workdir else default_workdir(lab)).resolve()
    run = generate_feedback(lab, workdir, show_hidden=args.show_hidden)
    print(format_run(run, workdir))
    return 0 if run.written else 1


def cmd_mutants(args) -> int:
    from grader.mutants import run_mutation_analysis

    lab = check_lab(args.lab)
    with tempfile.TemporaryDirectory() as tmp:
        report = run_mutation_analysis(lab, Path(args.workdir) if args.workdir else Path(tmp),
                                       engine=args.engine)
    print(report.table())
    problems = report.failures()
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


def cmd_gradescope(args) -> int:
    from grader.gradescope import export_gradescope, format_agreement, verify

    lab = check_lab(args.lab)
    out = Path(args.out) if args.out else default_workdir(lab) / "gradescope"
    path = export_gradescope(lab, out)
    print(f"autograder written to {path}")
    print(f"On Gradescope: create a Programming Assignment, upload this zip under Configure Autograder "
          f"(the image build installs Python and the pinned packages, several minutes), and have "
          f"students submit their {lab}.ipynb.")
    if not args.verify:
        return 0
    print(f"grading the reference, the blank notebook and every mutant of {lab} "
          f"with nbgrader and with otter run ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = verify(lab, Path(args.workdir) if args.workdir else Path(tmp))
    print(format_agreement(rows))
    return 0 if all(r.match for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("release", help="regenerate labs/ from solutions/")
    p.add_argument("labs", nargs="*", help="labs to release (default: all)")
    p.add_argument("--dest", default=str(LABS), help="release folder (default: labs/)")
    p.add_argument("--week", type=int, help="also release the lab of this week of schedule.yml")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("schedule", help="check schedule.yml; print the weeks and the late policy")
    p.add_argument("--file", help="the schedule to check (default: schedule.yml)")
    p.set_defaults(func=cmd_schedule)

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
    p.add_argument("--jobs", type=int, default=None,
                   help="parallel shards, each grading one submission at a time (default: one more than the CPU cores)")
    p.add_argument("--sandbox", default="auto", choices=["auto", "require", "limits"],
                   help="auto: bubblewrap where it works, else resource limits only (default); "
                        "require: refuse to grade without bubblewrap; limits: resource limits only")
    p.add_argument("--due", help="due date with its time zone, e.g. '2026-11-30 23:59 Europe/London' "
                                 "(default: the lab's due date in schedule.yml); late submissions lose "
                                 "points by schedule.yml's late_policy")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("accept", help="release a score held for review, after reading the code")
    p.add_argument("lab")
    p.add_argument("student")
    p.add_argument("--workdir", help="nbgrader course folder (default: .grading/<lab>)")
    p.set_defaults(func=cmd_accept)

    p = sub.add_parser("report", help="grades CSV from an earlier autograde")
    p.add_argument("lab")
    p.add_argument("--workdir", help="nbgrader course folder (default: .grading/<lab>)")
    p.add_argument("--csv", help="where to write the grades")
    p.add_argument("--lms", choices=["canvas", "moodle"],
                   help="also write <workdir>/report/<lms>-<lab>.csv for the LMS's grade import")
    p.add_argument("--lms-column", help="assignment column of the canvas file: its Canvas title, or "
                                        "'Title (assignment id)' (default: the lab's name)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("collect", help="LMS download -> one folder per student, for autograde")
    p.add_argument("lab")
    p.add_argument("download", help="the LMS's zip, or a folder")
    p.add_argument("--pattern", default="plain",
                   help="file names: canvas, moodle, plain (<student>.ipynb, the default), or a regular "
                        "expression for the path inside the download with (?P<student>...) and "
                        "optionally (?P<timestamp>...)")
    p.add_argument("--into", help="where to collect (default: .grading/<lab>/inbox)")
    p.add_argument("--max-file-mb", type=float, default=64, help="largest file read (default 64 MB)")
    p.add_argument("--max-total-mb", type=float, default=4096,
                   help="most the whole download may unpack to (default 4096 MB)")
    p.set_defaults(func=cmd_collect)

    p = sub.add_parser("feedback", help="HTML feedback per student from an earlier autograde")
    p.add_argument("lab")
    p.add_argument("--workdir", help="nbgrader course folder (default: .grading/<lab>)")
    p.add_argument("--show-hidden", action="store_true",
                   help="show the hidden tests' code and full tracebacks (nbgrader's own feedback)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("mutants", help="check that the hidden tests catch the lab's mutants")
    p.add_argument("lab")
    p.add_argument("--workdir", help="keep the grading folder here (default: a temporary folder)")
    p.add_argument("--engine", choices=("nbgrader", "fork"), default="nbgrader",
                   help="nbgrader: each submission through the real sandboxed autograde (default); "
                        "fork: one process that forks where a submission departs from the reference "
                        "(the test suite's engine, several times faster)")
    p.set_defaults(func=cmd_mutants)

    p = sub.add_parser("gradescope", help="otter-grader autograder zip for Gradescope")
    p.add_argument("lab")
    p.add_argument("--out", help="folder for <lab>-autograder.zip (default: .grading/<lab>/gradescope)")
    p.add_argument("--verify", action="store_true",
                   help="also grade the reference, blank and mutants with nbgrader and otter run; "
                        "compare the scores")
    p.add_argument("--workdir", help="with --verify: keep the grading folders here (default: temporary)")
    p.set_defaults(func=cmd_gradescope)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        # Run by a Python without the course's packages (the venv not active).
        if exc.name is None or exc.name.split(".")[0] in ("grader", "genmod"):
            raise
        print(f"error: {sys.executable} has no module {exc.name!r}: run the grader with the course's "
              f"environment, `.venv/bin/python -m grader {args.command} ...` (`make venv` "
              f"creates .venv)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
