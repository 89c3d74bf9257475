"""The student kit: what students get instead of this (private) repository.

It holds the released labs, genmod, a set-up script and the self-check, and
nothing of the instructors': no solution, no hidden test, no planted bug, no
grader. A student sets it up with one command (tested here offline, on top of
this repository's environment) and the self-check names what is left to write.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from grader.notebooks import grade_id, is_solution_cell, strip_solution_markers


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


build = _load("kit_build_under_test", REPO / "kit" / "build.py")
setup_kit = _load("kit_setup_under_test", REPO / "kit" / "setup_kit.py")
selfcheck = _load("kit_check_under_test", REPO / "kit" / "check.py")

LABS = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "labs").glob("*/*.ipynb"))
SOURCES = sorted((REPO / "solutions").glob("*/*.ipynb"))
REGIONS = {"solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
           "hidden test": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")}
INSTRUCTOR_PACKAGES = {"nbgrader", "otter-grader", "jupyter-book", "playwright", "pytest", "pytest-xdist",
                       "sphinx", "jupytext", "sphinx-proof", "sphinx-exercise", "sphinxcontrib-bibtex"}
# The commands a student types, the same in README.md, intro.md and the kit's README.
STUDENT_COMMANDS = ["python3 setup_kit.py",
                    ".venv/bin/jupyter lab labs/flow_matching/flow_matching.ipynb",
                    ".venv/bin/python check.py labs/flow_matching/flow_matching.ipynb"]


@pytest.fixture(scope="module")
def kit_zip(tmp_path_factory) -> Path:
    _, archive = build.build(tmp_path_factory.mktemp("kit"))
    return archive


@pytest.fixture(scope="module")
def kit_texts(kit_zip) -> dict[str, str]:
    """Every file of the kit as a student unpacks it: name inside the kit -> text."""
    with zipfile.ZipFile(kit_zip) as zf:
        names = zf.namelist()
        assert all(n.startswith("student-kit/") for n in names), "one top folder"
        return {n.removeprefix("student-kit/"): zf.read(n).decode("utf-8") for n in names}


# ------------------------------------------------------------------ what is in it

def test_kit_holds_the_released_labs_genmod_set_up_and_self_check_and_nothing_else(kit_texts):
    genmod = sorted(f"genmod/{p.name}" for p in (REPO / "genmod").glob("*.py"))
    expected = {"README.md", "setup_kit.py", "check.py", "requirements.txt", "constraints.txt",
                "pyproject.toml", *genmod, *LABS}
    assert set(kit_texts) == expected
    for lab in LABS:
        assert kit_texts[lab] == (REPO / lab).read_text(), f"{lab} differs from the release in labs/"
    assert not any(name.startswith(("grader/", "solutions/", "tests/")) for name in kit_texts)
    # The kit's own files name no instructor command (the labs' text is the labs' authors').
    for name, text in kit_texts.items():
        if not name.startswith("labs/"):
            assert "python -m grader" not in text and "make " not in text, name


def _region_lines(source: str, begin: str, end: str) -> tuple[list[str], str]:
    """The stripped lines between the markers, and the source with those regions cut out."""
    inside, lines, rest = False, [], []
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            lines.append(line.strip())
        else:
            rest.append(line)
    return lines, "\n".join(rest)


def secret_lines() -> dict[str, set[str]]:
    """Each reference solution's and hidden test's non-trivial lines that are nowhere public.

    A line counts when it has at least 12 characters and does not occur in what
    students may see anyway: the source notebooks with their solution and hidden
    regions cut out (the release), and genmod.
    """
    found: dict[str, set[str]] = {kind: set() for kind in REGIONS}
    public = [p.read_text() for p in (REPO / "genmod").glob("*.py")]
    for path in SOURCES:
        for cell in nbformat.read(path, as_version=4).cells:
            rest = cell.source
            for kind, (begin, end) in REGIONS.items():
                lines, rest = _region_lines(rest, begin, end)
                found[kind].update(ln for ln in lines if len(ln) >= 12)
            public.append(rest)
    public_text = "\n".join(public)
    return {kind: {ln for ln in lines if ln not in public_text} for kind, lines in found.items()}


def leaks(texts: dict[str, str]) -> list[str]:
    problems = []
    secrets = secret_lines()
    for name, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "mutants"):
            if marker in text:
                problems.append(f"{name}: {marker!r}")
        for kind, lines in secrets.items():
            problems += [f"{name}: {kind} line {ln!r}" for ln in sorted(lines) if ln in text]
    return problems


def test_no_kit_file_holds_a_solution_a_hidden_test_or_a_planted_bug(kit_texts):
    secrets = secret_lines()
    # Enough lines that the scan means something: every lab's answers and hidden tests.
    assert len(secrets["solution"]) > 100 and len(secrets["hidden test"]) > 500, {k: len(v) for k, v in secrets.items()}
    assert leaks(kit_texts) == []


def test_leak_scan_catches_a_reference_line_a_hidden_test_line_and_a_marker(kit_texts):
    source = nbformat.read(SOURCES[0], as_version=4)
    answer = next(c for c in source.cells if is_solution_cell(c))
    hidden = next(c for c in source.cells if REGIONS["hidden test"][0] in c.source)
    answer_line = next(ln for ln in _region_lines(answer.source, *REGIONS["solution"])[0]
                       if ln in secret_lines()["solution"])
    hidden_line = next(ln for ln in _region_lines(hidden.source, *REGIONS["hidden test"])[0]
                       if ln in secret_lines()["hidden test"])
    leaky = dict(kit_texts)
    leaky[LABS[0]] += f"\n{answer_line}\n"
    leaky["genmod/data.py"] += f"\n    {hidden_line}\n"
    leaky["README.md"] += "\n### BEGIN SOLUTION\n"
    problems = leaks(leaky)
    assert f"{LABS[0]}: solution line {answer_line!r}" in problems
    assert f"genmod/data.py: hidden test line {hidden_line!r}" in problems
    assert "README.md: 'BEGIN SOLUTION'" in problems


def test_kit_build_refuses_a_lab_that_holds_a_solution_marker(tmp_path):
    repo = tmp_path / "repo"
    for name in ("requirements.txt", "constraints.txt", "pyproject.toml"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text((REPO / name).read_text())
    (repo / "genmod").mkdir()
    (repo / "genmod" / "__init__.py").write_text("import torch\n")
    (repo / "labs" / "x").mkdir(parents=True)
    (repo / "labs" / "x" / "x.ipynb").write_text('{"cells": []}')
    assert set(build.kit_files(repo)) >= {"labs/x/x.ipynb", "genmod/__init__.py", "check.py"}
    (repo / "labs" / "x" / "x.ipynb").write_text('{"cells": [{"source": "### BEGIN SOLUTION"}]}')
    with pytest.raises(build.KitError, match="labs/x/x.ipynb holds 'BEGIN SOLUTION'"):
        build.kit_files(repo)


def test_kit_requirements_pin_torch_and_leave_out_the_instructors_packages(kit_texts):
    def names(text):
        return {line.split("=")[0].split("<")[0].split(">")[0].strip().lower()
                for line in text.splitlines() if line.strip() and not line.startswith("#")}

    requirements, constraints = kit_texts["requirements.txt"], kit_texts["constraints.txt"]
    assert "torch==2.13.0" in requirements.splitlines()
    assert {"numpy", "scipy", "matplotlib", "scikit-learn", "jupyterlab", "nbclient", "ipykernel"} <= names(requirements)
    assert not (names(requirements) | names(constraints)) & INSTRUCTOR_PACKAGES
    repo_pins = set((REPO / "constraints.txt").read_text().splitlines())
    pins = [ln for ln in constraints.splitlines() if ln and not ln.startswith("#")]
    assert len(pins) > 50 and set(pins) <= repo_pins, "the kit's pins are this repository's"
    pinned = {ln.split("==")[0].lower(): ln for ln in pins}
    for package in ("torch", "numpy", "jupyterlab", "nbclient", "ipykernel", "tornado"):
        assert pinned[package] in repo_pins, package
    assert 'packages = ["genmod"]' in kit_texts["pyproject.toml"]
    for dependency in ("torch", "numpy", "scipy", "scikit-learn", "matplotlib", "tqdm"):
        assert f'"{dependency}"' in kit_texts["pyproject.toml"], dependency


# ------------------------------------------------------------------ set-up

def test_set_up_takes_cpu_torch_on_linux_and_the_main_index_elsewhere_unless_told(monkeypatch):
    monkeypatch.delenv("GENMOD_TORCH_INDEX", raising=False)
    cpu = "https://download.pytorch.org/whl/cpu"
    assert setup_kit.torch_index("linux") == cpu
    assert setup_kit.torch_index("darwin") is None and setup_kit.torch_index("win32") is None
    assert setup_kit.torch_index("linux", "pypi") is None
    assert setup_kit.torch_index("darwin", "cpu") == cpu
    cuda = "https://download.pytorch.org/whl/cu126"
    assert setup_kit.torch_index("linux", cuda) == cuda
    monkeypatch.setenv("GENMOD_TORCH_INDEX", "pypi")
    assert setup_kit.torch_index("linux") is None
    assert setup_kit.torch_index("linux", "cpu") == cpu, "the option wins over the variable"


def test_set_up_plan_makes_a_venv_installs_the_pins_genmod_and_the_kernel(tmp_path, monkeypatch):
    monkeypatch.delenv("GENMOD_TORCH_INDEX", raising=False)
    steps = setup_kit.plan(tmp_path, "linux", None, base_python="python3")
    venv_python = str(tmp_path / ".venv" / "bin" / "python")
    assert steps[0] == ["python3", "-m", "venv", str(tmp_path / ".venv")]
    assert steps[1] == [venv_python, "-m", "pip", "install", "-r", "requirements.txt", "-c", "constraints.txt",
                        "--extra-index-url", "https://download.pytorch.org/whl/cpu"]
    assert steps[2] == [venv_python, "-m", "pip", "install", "--no-deps", "-e", "."]
    assert steps[3][:5] == [venv_python, "-m", "ipykernel", "install", "--sys-prefix"]
    windows = setup_kit.plan(tmp_path, "win32", None)
    assert windows[1][0].endswith(os.path.join("Scripts", "python.exe")) and "--extra-index-url" not in windows[1]


def test_set_up_dry_run_prints_the_commands_and_creates_nothing(tmp_path, kit_zip):
    with zipfile.ZipFile(kit_zip) as zf:
        zf.extractall(tmp_path)
    kit = tmp_path / "student-kit"
    proc = subprocess.run([sys.executable, "setup_kit.py", "--dry-run", "--torch-index", "cpu"], cwd=kit,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in proc.stdout
    assert "-m venv" in proc.stdout and not (kit / ".venv").exists()


# ------------------------------------------------------------------ the self-check's words

def _cell(source, gid=None, solution=False, grade=False, points=0, error=None, stderr=None):
    cell = nbformat.v4.new_code_cell(source)
    if gid:
        cell.metadata["nbgrader"] = {"grade_id": gid, "solution": solution, "grade": grade,
                                     "locked": not solution, "points": points}
    if stderr:
        cell.outputs.append(nbformat.v4.new_output("stream", name="stderr", text=stderr))
    if error:
        ename, evalue, frames = error
        cell.outputs.append(nbformat.v4.new_output("error", ename=ename, evalue=evalue,
                                                   traceback=["\x1b[0;31m---\x1b[0m", *frames, f"{ename}: {evalue}"]))
    return cell


def test_self_check_names_unwritten_functions_knock_on_failures_and_failed_asserts():
    stub = "def {0}(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return y\n"
    frame = "Cell In[{0}], line 3, in {1}(x)\n      1 def {1}(x):\n----> 3     raise NotImplementedError()"
    nb = nbformat.v4.new_notebook(cells=[
        _cell("def loss(x):\n    return x.sum()\n", "loss", solution=True),
        _cell("assert loss(1) == 1, 'the loss of one point'", "test_loss", grade=True, points=2,
              error=("AssertionError", "the loss of one point", ["Cell In[2], line 1"])),
        _cell(stub.format("step"), "step", solution=True),
        _cell("def step_twice(x):\n    return step(step(x))\n" + stub.format("sample").replace("def sample", "\ndef sample"),
              "samplers", solution=True),
        _cell("out = sample(0)\nassert out == 0", "test_samplers", grade=True, points=3,
              error=("NotImplementedError", "", ["Cell In[5], line 1", frame.format(4, "sample")])),
        _cell("x = 1\nscore = sample(x)\n", "evaluate",
              error=("NotImplementedError", "", ["Cell In[6], line 2", frame.format(4, "sample")])),
        _cell("import math\nassert math.isfinite(score)", "test_quality", grade=True, points=2,
              error=("NameError", "name 'score' is not defined", ["Cell In[7], line 2"])),
        _cell("y = loss(3)\nassert y == 2", "test_plain_assert", grade=True, points=1,
              error=("AssertionError", "", ["Cell In[8], line 2"])),
        _cell("print('warning: slow')", "test_warns", grade=True, points=1, stderr="UserWarning: slow\n"),
    ])
    results, todo = selfcheck.analyse(nb)
    assert todo == ["step", "sample"], "step_twice is written; step and sample are stubs"
    by_id = {r.grade_id: r for r in results}
    assert not by_id["test_loss"].passed
    assert by_id["test_loss"].message == "AssertionError: the loss of one point"
    assert by_id["test_loss"].label == "loss"
    assert by_id["test_samplers"].message == "`sample` is not written yet (NotImplementedError)"
    assert by_id["test_quality"].message == "not run: `score` is missing because `sample` is not written yet"
    assert by_id["test_quality"].label == "quality"
    assert by_id["test_plain_assert"].message == "AssertionError at `assert y == 2`"
    assert by_id["test_warns"].passed, "a warning on stderr costs nothing"

    died, _ = selfcheck.analyse(nb, died_at=4)
    assert [r.message for r in died][:3] == [
        "AssertionError: the loss of one point", selfcheck.KERNEL_DIED, "not run: the kernel died in an earlier cell"]

    report = selfcheck.format_report(Path("lab.ipynb"), results, todo, 1.0)
    assert report.count("PASS") == 1 and report.count("FAIL") == 4
    assert "still to do: step, sample" in report
    assert "visible tests: 1 of 5 test cells pass, 1 of 9 points" in report
    assert "Hidden tests also grade your submission" in report
    assert "NameError" not in report, "a knock-on failure is explained, not shown raw"


def test_grader_check_is_the_kits_self_check():
    import grader.check

    assert Path(grader.check.kit_check.__file__).resolve() == (REPO / "kit" / "check.py").resolve()
    assert grader.check.format_report is grader.check.kit_check.format_report


# ------------------------------------------------------------------ the student path in the docs

@pytest.mark.parametrize("doc", ["README.md", "intro.md", "kit/README.md"])
def test_readme_intro_and_kit_readme_give_the_same_student_commands(doc):
    text = (REPO / doc).read_text()
    for command in STUDENT_COMMANDS:
        assert command in text, f"{doc} lacks `{command}`"


def _student_sections(readme: str) -> str:
    quick = readme.split("**Students.**", 1)[1].split("**Instructors.**", 1)[0]
    section = readme.split("## For students", 1)[1].split("\n## ", 1)[0]
    return quick + section


def test_student_docs_describe_only_the_kit_and_say_the_repository_is_private():
    readme = (REPO / "README.md").read_text()
    student = _student_sections(readme)
    intro = (REPO / "intro.md").read_text()
    # The old path: clone this repository, build its environment, run the grader.
    for text, forbidden in ((student, ("clone", "make test", "python -m grader")),
                            (intro, ("clone", "make ", "python -m grader", "course repository"))):
        for instructor_path in forbidden:
            assert instructor_path not in text, instructor_path
        assert "student-kit.zip" in text and "--torch-index" in text
    assert "private" in student and "make student-kit" in student
    assert "exercises at the end of each section" not in intro
    # The intro lists the chapters that exist, part by part, and nothing "in preparation".
    assert "In preparation" not in intro
    for part in ("Generative modelling for images", "Models for text", "Additional topics"):
        assert part in intro and part in (REPO / "_toc.yml").read_text(), part


# ------------------------------------------------------------------ a student, end to end

@pytest.mark.slow
def test_student_sets_up_the_kit_offline_and_the_self_check_names_what_is_left(tmp_path, kit_zip):
    with zipfile.ZipFile(kit_zip) as zf:
        zf.extractall(tmp_path)
    kit = tmp_path / "student-kit"

    # Offline stand-in for PyPI: the kit's environment sees this repository's installed
    # packages (a .pth line; .pth files of that folder, such as genmod's and grader's
    # editable installs, are not processed), and pip may use no index.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(kit / ".venv")], check=True, timeout=120)
    python = kit / ".venv" / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "course-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "GENMOD_TORCH"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    setup = subprocess.run([sys.executable, "setup_kit.py"], cwd=kit, env=env,
                           capture_output=True, text=True, timeout=600)
    assert setup.returncode == 0, (setup.stdout + setup.stderr)[-3000:]
    if sys.platform.startswith("linux"):
        assert "--extra-index-url https://download.pytorch.org/whl/cpu" in setup.stdout
    where = subprocess.run([python, "-c", "import genmod; print(genmod.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).resolve() == (kit / "genmod" / "__init__.py").resolve(), "genmod comes from the kit"
    assert subprocess.run([python, "-c", "import grader"], cwd=tmp_path, capture_output=True).returncode != 0
    assert (kit / ".venv" / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").is_file()

    # One function written, with the reference answer; the rest as released.
    lab = "flow_matching"
    notebook = kit / "labs" / lab / f"{lab}.ipynb"
    reference = nbformat.read(REPO / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    answer = next(c for c in reference.cells if grade_id(c) == "sample_conditional_path")
    student = nbformat.read(notebook, as_version=4)
    for cell in student.cells:
        if grade_id(cell) == "sample_conditional_path":
            cell.source = strip_solution_markers(answer.source)
    nbformat.write(student, notebook)

    check = subprocess.run([python, "check.py", f"labs/{lab}/{lab}.ipynb"], cwd=kit, env=env,
                           capture_output=True, text=True, timeout=600)
    out = check.stdout
    assert check.returncode == 1, out + check.stderr
    assert check.stderr == "", "no kernel warnings on the screen"
    table = [line.split(None, 4) for line in out.splitlines() if line.strip().startswith(("PASS", "FAIL"))]
    assert table[0][:4] == ["PASS", "2", "/", "2"] and "sample_conditional_path" in table[0][4]
    assert [row[0] for row in table[1:]] == ["FAIL"] * (len(table) - 1), out
    _, unwritten = selfcheck.analyse(student)  # from the sources: the stubs left
    assert unwritten[:5] == ["cfm_loss", "euler_step", "midpoint_step", "integrate", "sample"]
    assert f"still to do: {', '.join(unwritten)}\n" in out
    assert "not run: `swd_model` is missing because `sample` is not written yet" in out
    assert "NameError" not in out and "TCP" not in out + check.stderr
    assert "Hidden tests also grade your submission" in out
