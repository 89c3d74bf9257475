"""The Gradescope export: an otter-grader zip built from the nbgrader source, grading as nbgrader does.

The quick tests read the zip (one test per graded cell, the right points, no
solutions, everything Gradescope needs) and run its pieces without a kernel:
the generated test files against hand-made namespaces, the plugin against a
tampered notebook. The slow test grades the reference, the blank notebook and
every mutant of one lab with both ``nbgrader autograde`` and ``otter run``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import sys
import time
import zipfile

import nbformat
import pytest
import torch

from conftest import run_grader
from grader.course import LABS, REPO, SOLUTIONS, GraderError, available_labs
from grader.gradescope import (PLUGIN, export_gradescope, format_agreement, graded_cells, otter_config,
                               otter_score, parse_results, split_hidden, verify)
from grader.mutants import load_mutants
from grader.otter_plugin import NbgraderCells

LAB = "flow_matching"


def _source(lab: str) -> dict:
    """The nbgrader source notebook, read as plain JSON (independently of the code under test)."""
    return json.loads((SOLUTIONS / lab / f"{lab}.ipynb").read_text())


def _nbgrader(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _test_cells(lab: str) -> dict[str, float]:
    return {_nbgrader(c)["grade_id"]: float(_nbgrader(c)["points"]) for c in _source(lab)["cells"]
            if _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")}


def _hidden_test_lines(lab: str) -> set[str]:
    """Lines of the hidden tests, which hold reference implementations of their own (isolation)."""
    lines = set()
    for cell in _source(lab)["cells"]:
        if _nbgrader(cell).get("grade") and not _nbgrader(cell).get("solution"):
            for region in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", "".join(cell["source"]), re.S):
                lines.update(line.strip() for line in region.splitlines())
    return lines


def _solution_regions(lab: str) -> list[str]:
    regions = []
    for cell in _source(lab)["cells"]:
        if _nbgrader(cell).get("solution"):
            regions += re.findall(r"### BEGIN SOLUTION\n(.*?)\n *### END SOLUTION", "".join(cell["source"]), re.S)
    return regions


class _Zips(dict):
    """Each lab's autograder zip, built when a test first asks for it."""

    def __init__(self, folder):
        super().__init__()
        self.folder = folder

    def __missing__(self, lab):
        self[lab] = export_gradescope(lab, self.folder)
        return self[lab]


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    return _Zips(tmp_path_factory.mktemp("gradescope"))


def _load_test(path):
    """An otter test file, parsed by otter itself."""
    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file

    return create_test_file(str(path), NBMetadataConfig())


def _module(path) -> dict:
    namespace: dict = {}
    exec(path.read_text(), namespace)
    return namespace


# --------------------------------------------------------------------------- what the zip holds


@pytest.mark.parametrize("lab", available_labs())
def test_zip_has_one_otter_test_per_nbgrader_test_cell_with_its_points(lab, zips, tmp_path):
    with zipfile.ZipFile(zips[lab]) as zf:
        zf.extractall(tmp_path)
    expected = _test_cells(lab)
    assert sorted(p.stem for p in (tmp_path / "tests").glob("*.py")) == sorted(expected)
    hidden_code = {_nbgrader(c)["grade_id"]: "".join(re.findall(r"BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                                                                "".join(c["source"]), re.S))
                   for c in _source(lab)["cells"] if _nbgrader(c).get("grade_id") in expected}
    total = 0.0
    for gid, points in expected.items():
        path = tmp_path / "tests" / f"{gid}.py"
        test = _load_test(path)
        assert test.name == gid
        assert test.possible == points, gid
        assert test.all_or_nothing, f"{gid}: nbgrader gives a test cell all of its points or none"
        # Gradescope hides a hidden case from students: the hidden tests' code runs in hidden cases only.
        parts = _module(path)["PARTS"]
        assert [case.hidden for case in test.test_cases] == [code.strip() in hidden_code[gid]
                                                              for _, _, code in parts], gid
        total += test.possible
    # nbgrader's max score of a lab is the sum of its graded cells' points.
    assert total == sum(expected.values()) > 0


@pytest.mark.parametrize("lab", available_labs())
def test_zip_holds_no_reference_solution(lab, zips):
    with zipfile.ZipFile(zips[lab]) as zf:
        files = {name: zf.read(name).decode() for name in zf.namelist()}
    # genmod is course code that students have anyway; the tests and the config hold no line of an
    # answer, except where a hidden test's own reference implementation has the same line (the
    # autograder zip goes to Gradescope, never to students, like the hidden tests themselves).
    shipped = {line.strip() for name, text in files.items() if not name.startswith("files/genmod/")
               for line in text.replace("\\n", "\n").splitlines()} - _hidden_test_lines(lab)
    regions = _solution_regions(lab)
    assert regions, "the source notebook has solution regions"
    for region in regions:
        assert all(region.strip() not in text for text in files.values())
        for line in region.splitlines():
            code = line.strip()
            if code and not code.startswith("#"):
                assert code not in shipped, f"a line of the reference solution is in the zip: {code!r}"


def test_zip_holds_what_gradescope_needs_to_grade_offline(zips):
    with zipfile.ZipFile(zips[LAB]) as zf:
        names = set(zf.namelist())
        text = {n: zf.read(n) for n in names}
    # otter's own Gradescope entry points
    assert {"setup.sh", "run_autograder", "run_otter.py", "environment.yml", "otter_config.json"} <= names
    env = text["environment.yml"].decode()
    assert f"python={sys.version_info.major}.{sys.version_info.minor}" in env
    for pin in ("torch==2.13.0", "otter-grader[grading,plugins]==7.0.0", "numpy==", "matplotlib=="):
        assert pin in env, pin
    # genmod goes next to the notebook, byte for byte; the plugin where run_otter.py imports it from
    for path in (REPO / "genmod").glob("*.py"):
        assert text[f"files/genmod/{path.name}"] == path.read_bytes()
    assert text["grader/otter_plugin.py"] == (REPO / "grader" / "otter_plugin.py").read_bytes()
    config = json.loads(text["otter_config.json"])
    (plugin,) = config["plugins"]
    assert plugin[PLUGIN]["environment"]["NBGRADER_EXECUTION"] == "autograde"


def test_a_test_cell_is_cut_at_its_hidden_markers_keeping_the_cells_line_numbers():
    cell = "a = 1\nassert a\n### BEGIN HIDDEN TESTS\n# why\nassert a == 1\n### END HIDDEN TESTS\nassert a > 0"
    assert split_hidden(cell) == [(1, False, "a = 1\nassert a"), (4, True, "# why\nassert a == 1"),
                                  (7, False, "assert a > 0")]
    assert split_hidden("assert True\n### BEGIN HIDDEN TESTS\n# nothing yet\n### END HIDDEN TESTS") == [
        (1, False, "assert True")]
    # Hidden tests inside a loop cannot run apart from it: the cell stays one hidden part.
    looped = "for k in range(3):\n    ### BEGIN HIDDEN TESTS\n    assert k < 3\n    ### END HIDDEN TESTS"
    assert split_hidden(looped) == [(1, True, looped)]


@pytest.mark.parametrize("source, points, message", [
    ("%time assert True", 1, "not plain Python"),
    ("assert True", 0, "no points"),
])
def test_export_refuses_a_test_cell_otter_cannot_grade_as_nbgrader_does(source, points, message):
    cell = nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "grade": True, "solution": False, "locked": True, "grade_id": "t", "points": points}})
    with pytest.raises(GraderError, match=message):
        graded_cells(nbformat.v4.new_notebook(cells=[cell]))


# --------------------------------------------------------------------------- the tests score as nbgrader does


def _reference_function(lab: str, grade_id: str, env: dict) -> dict:
    cell = next(c for c in _source(lab)["cells"] if _nbgrader(c).get("grade_id") == grade_id)
    code = "".join(cell["source"]).replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", "")
    exec(code, env)
    return env


def _score(zip_path, tmp_path, gid, env):
    with zipfile.ZipFile(zip_path) as zf:
        zf.extract(f"tests/{gid}.py", tmp_path)
    test = _load_test(tmp_path / "tests" / f"{gid}.py")
    test.run(env)
    return test.score, [r.passed for r in test.test_case_results]


def test_otter_test_gives_full_points_to_the_reference_and_none_to_a_bug_only_hidden_tests_catch(zips, tmp_path):
    gid = "test_sample_conditional_path"
    env = _reference_function(LAB, "sample_conditional_path", {"torch": torch})
    assert _score(zips[LAB], tmp_path, gid, env) == (2, [True, True])

    def flipped(x0, x1, t):   # right path, velocity from data to noise: the visible asserts pass
        return x0 + t.reshape(-1, 1) * (x1 - x0), x0 - x1
    assert _score(zips[LAB], tmp_path, gid, {"torch": torch, "sample_conditional_path": flipped}) == (0, [True, False])


def test_otter_test_stops_at_the_first_exception_as_a_notebook_cell_does(zips, tmp_path):
    def unfinished(x0, x1, t):
        raise NotImplementedError()
    env = {"torch": torch, "sample_conditional_path": unfinished}
    assert _score(zips[LAB], tmp_path, "test_sample_conditional_path", env) == (0, [False, False])
    assert "_g" not in env, "the hidden tests ran after the visible part raised"


def test_otter_test_ignores_stderr_as_nbgrader_does(zips, tmp_path):
    env = _reference_function(LAB, "sample_conditional_path", {"torch": torch})
    right = env["sample_conditional_path"]

    calls = []

    def noisy(x0, x1, t):   # right answers, one debugging line on stderr in the visible part
        if not calls:
            print("debug", file=sys.stderr)
        calls.append(t)
        return right(x0, x1, t)
    env["sample_conditional_path"] = noisy
    # Scored on errors only (grader/scoring.py): a debugging line costs nothing.
    assert _score(zips[LAB], tmp_path, "test_sample_conditional_path", env) == (2, [True, True])


# --------------------------------------------------------------------------- the plugin


def _cell_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def test_plugin_runs_each_test_in_place_restores_locked_cells_and_puts_deleted_tests_back(monkeypatch):
    from otter.execute.preprocessor import GradingPreprocessor

    source = nbformat.read(SOLUTIONS / LAB / f"{LAB}.ipynb", as_version=4)
    student = nbformat.read(LABS / LAB / f"{LAB}.ipynb", as_version=4)
    setup = next(c for c in student.cells if _cell_id(c) == "setup")
    setup.source = setup.source.replace("TRAIN_STEPS = 800", "TRAIN_STEPS = 1")    # a student's shortcut
    ignored = next(c for c in student.cells if _cell_id(c) == "test_integrate")
    ignored.metadata["tags"] = ["otter_ignore"]                                      # hide a test from otter
    student.cells = [c for c in student.cells if _cell_id(c) != "test_cfm_loss"]    # delete a test
    mine = next(c for c in student.cells if _cell_id(c) == "cfm_loss")
    mine.source = "def cfm_loss(velocity, x0, x1, t):\n    return 0.0"

    plugin = NbgraderCells("", {}, otter_config(source)["plugins"][0][PLUGIN])
    monkeypatch.setenv("NBGRADER_EXECUTION", "")
    plugin.before_grading(None)
    assert os.environ["NBGRADER_EXECUTION"] == "autograde"
    graded = plugin.before_execution(copy.deepcopy(student))

    # otter's own preprocessor turns the marks into checks right after each test cell
    gp = GradingPreprocessor()
    gp._notebook_name = "nb"
    gp.filter_ignored_cells(graded)
    gp.add_checks(graded)
    ids = [_cell_id(c) or c.source.strip() for c in graded.cells if c.cell_type == "code"]
    for gid in _test_cells(LAB):
        assert ids.count(f'nb().check("{gid}")') == 1, gid
        assert ids[ids.index(gid) + 1] == f'nb().check("{gid}")', gid
    assert ids[ids.index("cfm_loss") + 1] == "test_cfm_loss", "the deleted test goes back after its function"
    by_id = {_cell_id(c): c for c in graded.cells}
    assert by_id["setup"].source == next(c.source for c in source.cells if _cell_id(c) == "setup")
    assert all(by_id[g].source == "" for g in _test_cells(LAB)), "the test code runs once, from the zip"
    assert by_id["cfm_loss"].source == mine.source, "the student's answers are graded as written"


# --------------------------------------------------------------------------- errors and the command line


def test_otter_score_of_a_missing_zip_or_a_broken_notebook_is_a_clear_error(zips, tmp_path):
    with pytest.raises(GraderError, match="no such autograder zip"):
        otter_score(tmp_path / "nope.zip", LABS / LAB / f"{LAB}.ipynb")
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    with pytest.raises(GraderError, match="not valid notebook JSON"):
        otter_score(zips[LAB], broken)
    with pytest.raises(GraderError, match="no test results"):
        parse_results({"tests": [{"name": "Autograder Failed", "output": "kernel died"}], "score": 0})


def test_gradescope_command_writes_the_zip_and_says_how_to_upload_it(tmp_path):
    proc = run_grader("gradescope", LAB, "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"autograder written to {tmp_path / f'{LAB}-autograder.zip'}" in proc.stdout
    assert "Gradescope" in proc.stdout and zipfile.is_zipfile(tmp_path / f"{LAB}-autograder.zip")
    bad = run_grader("gradescope", "nosuchlab")
    assert bad.returncode == 2 and bad.stderr.startswith("error: no lab called") and "Traceback" not in bad.stderr


# --------------------------------------------------------------------------- nbgrader == otter


def test_comparison_flags_a_different_total_a_different_test_and_a_failed_run():
    from grader.gradescope import Agreement
    from grader.nbgrader_run import Result

    tests = {"a": (2.0, 2.0), "b": (0.0, 3.0)}
    nb = Result("s", LAB, 2.0, 5.0, "graded", tests=tests)
    assert Agreement("s", nb, 2.0, 5.0, dict(tests)).match
    swapped = Agreement("s", nb, 3.0, 5.0, {"a": (0.0, 2.0), "b": (3.0, 3.0)})
    assert swapped.differences() == ["total", "a 2 vs 0", "b 0 vs 3"]
    same_total = Agreement("s", nb, 2.0, 5.0, {"a": (2.0, 2.0), "c": (0.0, 3.0)})
    assert same_total.differences() == ["b only in nbgrader", "c only in otter"]
    failed = Agreement("s", nb, otter_problem="otter run took longer than 600 s")
    assert not failed.match and "NO" in format_agreement([failed])


@pytest.mark.slow
def test_otter_run_that_never_ends_is_stopped_at_the_time_limit(zips, tmp_path):
    # otter has no limit per cell; the limit on the whole run is ours.
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("while True:\n    pass")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / f"{LAB}.ipynb")
    start = time.monotonic()
    with pytest.raises(GraderError, match="longer than 20 s"):
        otter_score(zips[LAB], tmp_path / f"{LAB}.ipynb", timeout=20)
    assert time.monotonic() - start < 40


@pytest.mark.slow
def test_otter_run_gives_every_submission_the_score_nbgrader_gives(tmp_path):
    # One mutant per solution cell keeps this under the suite's budget; every
    # mutant of every lab agreed when checked with `python -m grader gradescope LAB --verify`.
    rows = verify(LAB, tmp_path, processes=2, one_mutant_per_cell=True)
    table = format_agreement(rows)
    by_id = {r.submission: r for r in rows}
    solution_cells = {m.cell for m in load_mutants(LAB)}
    assert {"reference", "blank"} < set(by_id) and len(by_id) == 2 + len(solution_cells), table
    assert by_id["reference"].otter_score == by_id["reference"].otter_max == sum(_test_cells(LAB).values()), table
    assert by_id["blank"].otter_score == 0, table
    assert all(r.match for r in rows), table
    # The comparison is per test too, and the mutants lose points in different tests.
    assert len({tuple(sorted(r.otter_tests.items())) for r in rows}) > 4, table
