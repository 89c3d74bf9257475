"""Mutation testing of the hidden tests: plant one plausible bug, grade, expect lost points.

Each lab keeps its mutants in ``solutions/<lab>/mutants.py`` as a list
``MUTANTS`` of :class:`Mutant`. A mutant is a textual edit of the reference
answer in one solution cell; it must match exactly once, so a mutant whose
target text disappears in a later edit fails loudly instead of silently
testing nothing. Adding a lab to the harness is adding that file.

Two kinds of entry:

* a **mutant** (any name) is a bug: it must lose points, and since one bug
  should cost one function's tests, it may fail at most ``max_failed_cells``
  test cells (2 unless the entry says otherwise, with its reason in ``bug``);
* an **equivalent variant** (name starting with ``eq_``) is a correct
  alternative form (another dtype, an equivalent formula, a library call): it
  must keep full marks.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.course import SOLUTIONS, GraderError, check_lab, source_notebook, student_notebook
from grader.nbgrader_run import Result, Submission, autograde
from grader.notebooks import fill_solutions, grade_id, is_solution_cell, read_notebook, strip_solution_markers


@dataclass(frozen=True)
class Mutant:
    name: str          # becomes a student id: letters, digits, '_' and '-'
    cell: str          # grade id of the solution cell to edit
    old: str           # text in the reference answer...
    new: str           # ...replaced by this
    bug: str = ""      # what a student would have got wrong (or, for eq_, why it is right)
    max_failed_cells: int = 2   # one bug costs one function's tests

    @property
    def equivalent(self) -> bool:
        return self.name.startswith("eq_")


def load_mutants(lab: str) -> list[Mutant]:
    path = SOLUTIONS / check_lab(lab) / "mutants.py"
    if not path.is_file():
        raise GraderError(f"lab {lab!r} has no mutants file ({path.relative_to(SOLUTIONS.parent)})")
    spec = importlib.util.spec_from_file_location(f"_mutants_{lab}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mutants = list(module.MUTANTS)
    names = [m.name for m in mutants]
    if len(set(names)) != len(names):
        raise GraderError(f"{path}: mutant names must be unique")
    return mutants


def mutated_code(source_nb, mutant: Mutant) -> str:
    cells = {grade_id(c): strip_solution_markers(c.source) for c in source_nb.cells if is_solution_cell(c)}
    if mutant.cell not in cells:
        raise GraderError(f"mutant {mutant.name}: no solution cell {mutant.cell!r}")
    code = cells[mutant.cell]
    count = code.count(mutant.old)
    if count != 1:
        raise GraderError(f"mutant {mutant.name}: {mutant.old!r} occurs {count} times in cell "
                          f"{mutant.cell!r}; it must occur exactly once")
    return code.replace(mutant.old, mutant.new)


def write_submissions(lab: str, folder: Path, mutants: list[Mutant]) -> dict[str, str]:
    """Write the reference, the blank student notebook and one notebook per mutant.

    Returns ``{student id: description}``. The reference is the released
    notebook with the solution cells filled in from ``solutions/``; a mutant is
    the same with one edit.
    """
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    source, student = read_notebook(source_notebook(lab)), read_notebook(student_notebook(lab))
    nbformat.write(fill_solutions(student, source), folder / "reference.ipynb")
    shutil.copyfile(student_notebook(lab), folder / "blank.ipynb")
    for m in mutants:
        nb = fill_solutions(student, source, replace={m.cell: mutated_code(source, m)})
        nbformat.write(nb, folder / f"mutant-{m.name}.ipynb")
    return describe(mutants)


def describe(mutants: list[Mutant]) -> dict[str, str]:
    """``{submission id: what it is}`` for the reference, the blank notebook and each mutant."""
    described = {"reference": "the reference solution", "blank": "the untouched student notebook"}
    for m in mutants:
        described[f"mutant-{m.name}"] = m.bug or f"{m.old!r} -> {m.new!r}"
    return described


def failed_cells(result: Result) -> list[str]:
    return [name for name, (s, m) in result.tests.items() if s < m]


@dataclass
class MutationReport:
    lab: str
    results: list[Result]
    described: dict[str, str]
    mutants: dict[str, Mutant] = field(default_factory=dict)   # by student id
    reference_errors: list[str] = field(default_factory=list)   # any cell of the reference that raised

    def by_student(self) -> dict[str, Result]:
        return {r.student: r for r in self.results}

    def failures(self) -> list[str]:
        """Everything that is wrong with the hidden tests, as sentences; empty means all good."""
        res, problems = self.by_student(), []
        ref, blank = res["reference"], res["blank"]
        if ref.status != "graded" or ref.score != ref.max_score or ref.max_score == 0:
            problems.append(f"reference scored {ref.score:g}/{ref.max_score:g} ({ref.status} {ref.detail})")
        if blank.status != "graded" or blank.score != 0:
            problems.append(f"blank notebook scored {blank.score:g}/{blank.max_score:g} ({blank.status})")
        problems += [f"the reference raised in {e}" for e in self.reference_errors]
        for sid, r in res.items():
            if not sid.startswith("mutant-"):
                continue
            m = self.mutants.get(sid)
            failed = failed_cells(r)
            if r.status != "graded":
                problems.append(f"{sid} was not graded ({r.status}: {r.detail})")
            elif m is not None and m.equivalent:
                if r.score != r.max_score:
                    problems.append(f"{sid}, a correct variant, lost points ({r.score:g}/{r.max_score:g}, "
                                    f"fails {', '.join(failed)}): {self.described[sid]}")
            elif r.score >= r.max_score:
                problems.append(f"{sid} survived with {r.score:g}/{r.max_score:g}: {self.described[sid]}")
            elif m is not None and len(failed) > m.max_failed_cells:
                problems.append(f"{sid} fails {len(failed)} test cells ({', '.join(failed)}), more than "
                                f"{m.max_failed_cells}: one bug should cost one function's tests")
        return problems

    def table(self) -> str:
        res = self.by_student()
        w = max(len(s) for s in res)
        lines = [f"{'lab':<16} {'submission':<{w}} {'score':>9}  {'verdict':<8} {'cells failed':>12}  what",
                 "-" * (w + 75)]
        for sid, r in res.items():
            m = self.mutants.get(sid)
            failed = failed_cells(r)
            if sid == "reference" or (m is not None and m.equivalent):
                verdict = "ok" if r.score == r.max_score else "WRONG"
            elif sid == "blank":
                verdict = "ok" if r.score == 0 else "WRONG"
            elif r.score >= r.max_score:
                verdict = "SURVIVED"
            else:
                verdict = "killed" if len(failed) <= (m.max_failed_cells if m else 2) else "SPREADS"
            what = self.described[sid] + (f"  [fails: {', '.join(failed)}]" if failed and sid != "blank" else "")
            lines.append(f"{self.lab:<16} {sid:<{w}} {f'{r.score:g}/{r.max_score:g}':>9}  {verdict:<8} "
                         f"{len(failed):>12}  {what}")
        return "\n".join(lines)


ENGINES = ("nbgrader", "fork")


def run_mutation_analysis(lab: str, workdir: Path, engine: str = "nbgrader",
                          only: list[str] | None = None) -> MutationReport:
    """Grade the reference, the blank notebook and the mutants (those named in ``only``, else all).

    ``engine="nbgrader"`` grades each as a submission through the real,
    sandboxed ``nbgrader autograde``; ``engine="fork"`` runs them all in one
    process that forks at the first cell where a submission differs from the
    reference (:mod:`grader.forkgrade`), which also reports any cell of the
    reference that raises, graded or not.
    """
    if engine not in ENGINES:
        raise GraderError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    workdir = Path(workdir)
    mutants = load_mutants(lab)
    if only is not None:
        unknown = set(only) - {m.name for m in mutants}
        if unknown:
            raise GraderError(f"lab {lab!r} has no mutant {', '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.name in only]
    by_sid = {f"mutant-{m.name}": m for m in mutants}
    if engine == "fork":
        return _fork_analysis(lab, workdir, mutants, by_sid)
    described = write_submissions(lab, workdir / "mutant-submissions", mutants)
    subs = [Submission(sid, workdir / "mutant-submissions" / f"{sid}.ipynb") for sid in described]
    results = autograde(lab, subs, workdir / "course")
    return MutationReport(lab, results, described, by_sid)


def _fork_analysis(lab: str, workdir: Path, mutants: list[Mutant], by_sid: dict[str, Mutant]) -> MutationReport:
    from grader.forkgrade import grade_variants, lab_layout

    source, student = read_notebook(source_notebook(lab)), read_notebook(student_notebook(lab))
    cells, reference, position, blank = lab_layout(source, student)
    variants = {"reference": reference, "blank": blank}
    for m in mutants:
        code = list(reference)
        code[position[m.cell]] = mutated_code(source, m)
        variants[f"mutant-{m.name}"] = code
    described = describe(mutants)
    outcomes = grade_variants(variants, cells, workdir / "fork")
    max_score = sum(c.points for c in cells if c.test)
    results = []
    for sid, out in outcomes.items():
        tests = {c.grade_id: ((c.points if out["tests"][c.grade_id] else 0.0), c.points)
                 for c in cells if c.test}
        results.append(Result(sid, lab, sum(s for s, _ in tests.values()), max_score, "graded", tests=tests))
    report = MutationReport(lab, results, described, by_sid)
    report.reference_errors = [f"cell {i} ({cells[i].grade_id or 'ungraded'}): {msg}"
                               for i, msg in sorted(outcomes["reference"]["errors"].items())]
    return report
