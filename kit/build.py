"""Build the student kit: ``_build/student-kit/`` and ``_build/student-kit.zip`` (``make student-kit``).

The kit is what students get instead of this repository, which holds the
reference solutions, the hidden tests and the planted bugs and stays private:

    README.md          the student README (kit/README.md)
    setup_kit.py       makes .venv/ with pip (CPU torch on Linux by default)
    check.py           the self-check: visible tests, a PASS/FAIL table
    requirements.txt   what the labs need (torch pinned as in this repository)
    constraints.txt    this repository's pins for those packages and their dependencies
    pyproject.toml     genmod as an installable package
    genmod/            the helper package
    labs/<lab>/<lab>.ipynb  the released labs, as in labs/

``check.py`` is the only copy of the self-check: ``python -m grader check``
imports it (grader/check.py). The book's build puts the zip into the site
(_ext/student_kit.py), from the same function. A kit file that holds an
nbgrader solution or hidden-test marker stops the build.

    .venv/bin/python kit/build.py [OUT]    # OUT defaults to _build
"""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import re
import shutil
import sys
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

KIT_SOURCES = Path(__file__).resolve().parent
REPO = KIT_SOURCES.parent
NAME = "student-kit"

# What a student's environment needs: the labs' and genmod's imports, Jupyter to work
# in, and nbclient/nbformat for check.py. Everything else in requirements.txt (nbgrader,
# otter-grader, jupyter-book, Sphinx extensions, pytest, playwright) is the instructors'.
STUDENT_PACKAGES = ["torch", "numpy", "scipy", "matplotlib", "scikit-learn", "tqdm", "babel",
                    "ipykernel", "jupyterlab", "notebook", "nbclient", "nbformat"]
# Text that must never be in the kit: nbgrader's markers around solutions and hidden tests.
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
SCRIPTS = ("setup_kit.py", "check.py")


class KitError(Exception):
    pass


def _pins(path: Path) -> dict[str, str]:
    """canonical name -> the requirement line, from a requirements or constraints file."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pins[canonicalize_name(Requirement(line).name)] = line
    return pins


def dependency_closure(names: list[str]) -> list[str]:
    """``names`` and everything they need, as installed here (canonical names, sorted).

    Markers are evaluated for this platform; a dependency only another platform
    needs (colorama on Windows, appnope on macOS) stays unpinned there.
    """
    seen: set[str] = set()
    todo = [(canonicalize_name(n), frozenset()) for n in names]
    done: set[tuple[str, frozenset]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            todo.append((canonicalize_name(req.name), frozenset(req.extras)))
    return sorted(seen)


def genmod_dependencies(repo: Path = REPO) -> list[str]:
    """The distributions genmod imports (at any depth), from its source."""
    modules = set()
    for path in sorted((repo / "genmod").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    owners = metadata.packages_distributions()
    dists = {canonicalize_name(d) for m in modules if m != "genmod" for d in owners.get(m, [])}
    return sorted(dists)


def requirement_files(repo: Path = REPO) -> tuple[str, str]:
    """The kit's requirements.txt and constraints.txt, from this repository's pins."""
    requirements, constraints = _pins(repo / "requirements.txt"), _pins(repo / "constraints.txt")
    unknown = [n for n in STUDENT_PACKAGES if canonicalize_name(n) not in {**requirements, **constraints}]
    if unknown:
        raise KitError(f"not in requirements.txt or constraints.txt: {', '.join(unknown)}")
    header = "# Generated from the course repository by kit/build.py; install with setup_kit.py.\n"
    req = header + "".join(f"{requirements.get(canonicalize_name(n), n)}\n" for n in STUDENT_PACKAGES)
    closure = dependency_closure(STUDENT_PACKAGES)
    con = header + "".join(f"{constraints[n]}\n" for n in closure if n in constraints)
    return req, con


def pyproject(repo: Path = REPO) -> str:
    """genmod's packaging for the kit: the repository's metadata, genmod alone."""
    text = (repo / "pyproject.toml").read_text()
    version = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M).group(1)
    description = re.search(r'^description\s*=\s*"([^"]+)"', text, re.M).group(1)
    deps = ", ".join(f'"{d}"' for d in genmod_dependencies(repo))
    return ('[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "genmod"\nversion = "{version}"\ndescription = "{description}"\n'
            f'requires-python = ">=3.10"\ndependencies = [{deps}]\n\n'
            '[tool.setuptools]\npackages = ["genmod"]\n')


def kit_files(repo: Path = REPO) -> dict[str, bytes]:
    """Every file of the kit, from the repository ``repo``: path inside the kit -> content."""
    files = {"README.md": (KIT_SOURCES / "README.md").read_bytes()}
    for script in SCRIPTS:
        files[script] = (KIT_SOURCES / script).read_bytes()
    req, con = requirement_files(repo)
    files["requirements.txt"], files["constraints.txt"] = req.encode(), con.encode()
    files["pyproject.toml"] = pyproject(repo).encode()
    for path in sorted((repo / "genmod").glob("*.py")):
        files[f"genmod/{path.name}"] = path.read_bytes()
    labs = sorted((repo / "labs").glob("*/*.ipynb"))
    if not labs:
        raise KitError("no released labs in labs/ (run `python -m grader release`)")
    for path in labs:
        files[path.relative_to(repo).as_posix()] = path.read_bytes()
    for name, content in files.items():
        text = content.decode("utf-8", errors="replace")
        for marker in MARKERS:
            if marker in text:
                raise KitError(f"{name} holds {marker!r}: solutions or hidden tests would leak")
    return files


def write_zip(files: dict[str, bytes], path: Path) -> Path:
    """A reproducible zip (fixed dates, sorted names) with one top folder, ``student-kit/``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".zip.tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{NAME}/{name}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in SCRIPTS else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    tmp.replace(path)
    return path


def build(out: Path) -> tuple[Path, Path]:
    """Write ``out/student-kit/`` and ``out/student-kit.zip``; returns both paths."""
    files = kit_files()
    folder = out / NAME
    if folder.exists():
        shutil.rmtree(folder)
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if name in SCRIPTS:
            target.chmod(0o755)
    return folder, write_zip(files, out / f"{NAME}.zip")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else REPO / "_build"
    try:
        folder, archive = build(out)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        print(f"  {path.relative_to(folder).as_posix():<55} {path.stat().st_size / 1024:7.1f} KiB")
    print(f"{folder}/ and {archive} ({archive.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
