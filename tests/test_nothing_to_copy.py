"""A student can copy no graded answer: not from genmod, not from a chapter, not from a docstring.

The graded names of a lab are the functions, classes and answer variables its
solution cells define. The helper package must define none of them, and no
line of a reference answer (the code between the solution markers) may appear
in genmod or in a chapter, whitespace aside: a chapter gives the mathematics and
the algorithm, or code with another interface, never the lab's answer.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re

import pytest

import genmod
from grader.course import REPO, SOLUTIONS, available_labs
from grader.notebooks import is_solution_cell, read_notebook, strip_solution_markers

LABS = available_labs()
# A line shorter than this (once blanks are removed) is an idiom, not an answer:
# `x = x + h * v`, `return loss`, `z = torch.randn_like(x)`.
MIN_CHARS = 28
# Idioms that pass the length bar but give nothing away, with why.
IDIOMS = {
    "x.detach().requires_grad_(True)",   # a leaf to differentiate at: how autograd is used, not an answer
    "(n_samples,)+tuple(mu.shape)",      # a shape
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _solution_cells(lab: str) -> list[str]:
    nb = read_notebook(SOLUTIONS / lab / f"{lab}.ipynb")
    return [strip_solution_markers(c.source) for c in nb.cells if is_solution_cell(c) and c.cell_type == "code"]


def _answer_lines(lab: str) -> list[str]:
    """The non-trivial lines between the solution markers, right-hand sides of assignments only."""
    nb = read_notebook(SOLUTIONS / lab / f"{lab}.ipynb")
    lines = []
    for cell in nb.cells:
        if not (is_solution_cell(cell) and cell.cell_type == "code"):
            continue
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in region.splitlines():
                code = line.split("#", 1)[0].strip()
                # The left side of `x = ...` is the student's choice of name; the answer is the right side.
                rhs = re.sub(r"^[\w\s,()\[\]]+=(?!=)", "", code)
                if len(_squash(rhs)) >= MIN_CHARS and _squash(rhs) not in IDIOMS:
                    lines.append(rhs)
    return lines


def graded_names(lab: str) -> set[str]:
    names = set()
    for source in _solution_cells(lab):
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _genmod_names() -> dict[str, str]:
    """Every name genmod's modules define at module level, with where.

    Methods are left out (``genmod.vi.VAE.decode`` is no answer to the diffusion
    lab's PCA ``decode``); what a method computes is checked line by line below.
    """
    found = {}
    for info in pkgutil.iter_modules(genmod.__path__):
        module = importlib.import_module(f"genmod.{info.name}")
        for name, value in vars(module).items():
            if getattr(value, "__module__", module.__name__) != module.__name__:
                continue  # imported from elsewhere
            found.setdefault(name, module.__name__)
    return found


GENMOD_TEXT = _squash("\n".join(p.read_text() for p in sorted((REPO / "genmod").glob("*.py"))))
CHAPTERS = {p.name: _squash(p.read_text()) for p in sorted((REPO / "chapters").glob("*.md"))}


def test_every_lab_has_graded_names_and_answer_lines_to_check():
    for lab in LABS:
        assert graded_names(lab), f"{lab}: no graded function found in the solution cells"
        assert _answer_lines(lab), f"{lab}: no answer line long enough to check"


@pytest.mark.parametrize("lab", LABS)
def test_genmod_defines_no_graded_name_of_the_lab(lab):
    defined = _genmod_names()
    clash = {name: defined[name] for name in graded_names(lab) if name in defined}
    assert not clash, f"genmod defines graded names of {lab}: {clash}"


@pytest.mark.parametrize("lab", LABS)
def test_no_line_of_a_reference_answer_is_in_genmod_or_a_chapter(lab):
    leaks = []
    for line in _answer_lines(lab):
        squashed = _squash(line)
        if squashed in GENMOD_TEXT:
            leaks.append(f"genmod: {line}")
        leaks += [f"chapters/{name}: {line}" for name, text in CHAPTERS.items() if squashed in text]
    assert not leaks, f"pieces of {lab}'s answers can be copied:\n" + "\n".join(leaks)
