#!/usr/bin/env python3
"""Set up the kit: a virtual environment in .venv/ with everything the labs need.

    python3 setup_kit.py                      # once, from the kit's folder (Windows: py setup_kit.py)
    python3 setup_kit.py --dry-run            # only print the commands it would run
    python3 setup_kit.py --torch-index pypi   # the main index's torch (with CUDA on Linux)

It needs Python 3.10 or newer and the internet, and no root and no system
package: everything goes into .venv/ next to this file (delete that folder to
start again; running the script again reuses it).

PyTorch: on Linux the CPU build, from PyTorch's CPU wheel index, because the
Linux wheel of the main index pulls several gigabytes of CUDA libraries that
the labs do not use. With an NVIDIA GPU that you want to use, choose another
index with ``--torch-index`` or the environment variable GENMOD_TORCH_INDEX:
``pypi`` (the main index) or the URL of one of PyTorch's CUDA indexes, such as
https://download.pytorch.org/whl/cu126. On macOS and Windows the main index is
the default (its wheels there need no CUDA download).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parent
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
MAIN_INDEX_NAMES = ("pypi", "main", "default")


def torch_index(platform: str = sys.platform, choice: str | None = None) -> str | None:
    """The extra index pip searches for torch, or None for the main index only.

    ``choice`` is the --torch-index option; without it GENMOD_TORCH_INDEX, then the
    platform's default. pip takes the highest matching version from all the indexes
    it searches, and the CPU index's ``2.13.0+cpu`` ranks above the main index's ``2.13.0``.
    """
    if choice is None:
        choice = os.environ.get("GENMOD_TORCH_INDEX") or None
    if choice is None:
        return CPU_INDEX if platform.startswith("linux") else None
    if choice.lower() in MAIN_INDEX_NAMES:
        return None
    if choice.lower() == "cpu":
        return CPU_INDEX
    return choice


def venv_python(venv: Path, platform: str = sys.platform) -> Path:
    return venv / ("Scripts/python.exe" if platform.startswith("win") else "bin/python")


def plan(kit: Path = KIT, platform: str = sys.platform, choice: str | None = None,
         base_python: str = sys.executable) -> list[list[str]]:
    """The commands that set the kit up, in order, each run in the kit's folder."""
    venv = kit / ".venv"
    python = str(venv_python(venv, platform))
    steps = []
    if not venv_python(venv, platform).exists():
        steps.append([base_python, "-m", "venv", str(venv)])
    install = [python, "-m", "pip", "install", "-r", "requirements.txt", "-c", "constraints.txt"]
    index = torch_index(platform, choice)
    if index:
        install += ["--extra-index-url", index]
    steps.append(install)
    # genmod, editable: its source stays here to read, and the labs import it from any folder.
    steps.append([python, "-m", "pip", "install", "--no-deps", "-e", "."])
    # Jupyter's "python3" kernel of this environment, so the notebooks run where genmod is.
    steps.append([python, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
                  "--display-name", "Python 3 (genmod)"])
    return steps


def _shown(cmd: list[str]) -> str:
    return " ".join(shlex.quote(part) for part in cmd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="setup_kit.py", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--torch-index", metavar="INDEX",
                        help="where torch comes from: cpu, pypi, or an index URL "
                             "(default: $GENMOD_TORCH_INDEX, else cpu on Linux and pypi elsewhere)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)

    if sys.version_info < (3, 10):
        print(f"error: the labs need Python 3.10 or newer; this is {sys.version.split()[0]}", file=sys.stderr)
        return 2
    index = torch_index(sys.platform, args.torch_index)
    print(f"torch from: {index or 'the main package index (PyPI)'}")
    for cmd in plan(KIT, sys.platform, args.torch_index):
        print(f"$ {_shown(cmd)}", flush=True)
        if args.dry_run:
            continue
        if subprocess.call(cmd, cwd=KIT) != 0:
            print(f"error: this step failed: {_shown(cmd)}\n"
                  "Run the script again once the problem above is fixed; it reuses what is done.",
                  file=sys.stderr)
            return 1
    if not args.dry_run:
        bin_dir = venv_python(Path(".venv")).parent
        print(f"\nDone. Open a lab with\n  {bin_dir / 'jupyter'} lab labs/flow_matching/flow_matching.ipynb\n"
              f"and check it from this folder with\n  {bin_dir / 'python'} check.py labs/flow_matching/flow_matching.ipynb")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
