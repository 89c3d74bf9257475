"""The grading kernel: resource limits, and a bubblewrap sandbox where the OS allows one.

A submission is arbitrary code that runs with the instructor's rights. Its kernel
is started by ``python -m grader.sandbox launch`` (the ``argv`` of a kernelspec
written per grading run), which

* sets resource limits that every child inherits: address space (a memory bomb
  raises ``MemoryError`` instead of taking the machine down), CPU seconds,
  processes and the size of files it writes;
* runs the kernel in a fresh, empty scratch folder (holding only a copy of the
  submission as the student sees it, without hidden tests), never in the folder
  where nbgrader writes the graded notebook: nothing the kernel writes there is
  read, followed or copied by the trusted side;
* where `bubblewrap <https://github.com/containers/bubblewrap>`_ works, runs the
  kernel in a new mount, PID and network namespace: the repository (solutions,
  mutants) and the grading folder (gradebook, the graded notebooks with their
  hidden tests, the other students' notebooks) are replaced by empty folders;
  the only writable folders are its scratch folder and the folder of its ZeroMQ
  sockets (the connection file is read-only), and there is no network;
* installs an audit hook (PEP 578) before any student code runs, which refuses
  ``__code__`` swaps and ``ctypes``: an audit hook cannot be removed from Python.

With no bubblewrap (a laptop without it, a container that forbids user
namespaces) grading still works, with the scratch folder, the limits and the
audit hook only; ``python -m grader autograde`` says so, and ``--sandbox
require`` refuses instead. What that leaves open: the kernel runs with the
instructor's rights, so it can read any file they can (the graded notebook with
its hidden tests, found through its parent process's working folder, the
gradebook, the solutions) and write to any of them, the network included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

from grader.course import REPO, GraderError

KERNEL_NAME = "genmod-grading"
BOOT = Path(__file__).with_name("kernel_boot.py")

# Generous for the labs (a graded lab peaks below 1 GiB), small enough that a
# runaway allocation fails in the student's cell rather than in the machine.
LIMITS = {
    "address_space": 6 * 2**30,   # bytes of virtual memory (torch maps a lot it never touches)
    "cpu_seconds": 900,           # per kernel: the whole notebook
    "processes": 256,             # threads count too: torch, OpenMP and ZeroMQ start some
    "file_size": 256 * 2**20,     # bytes per file written
}


def bwrap_works() -> bool:
    """Whether bubblewrap is installed and allowed to make namespaces here."""
    exe = shutil.which("bwrap")
    if exe is None:
        return False
    try:
        proc = subprocess.run([exe, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid",
                               "--die-with-parent", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def resolve_mode(mode: str) -> str:
    """``auto`` -> ``bwrap`` where it works, else ``limits``; ``require`` insists on bwrap."""
    if mode not in {"auto", "require", "limits"}:
        raise GraderError(f"--sandbox must be auto, require or limits, not {mode!r}")
    if mode == "limits":
        return "limits"
    if bwrap_works():
        return "bwrap"
    if mode == "require":
        raise GraderError("--sandbox require: bubblewrap is not installed or not permitted here "
                          "(Debian/Ubuntu: apt-get install bubblewrap); `--sandbox limits` grades "
                          "without filesystem and network isolation")
    return "limits"


def write_kernelspec(jupyter_dir: Path, mode: str, hide: list[Path], runtime_dir: Path) -> dict:
    """A kernelspec named KERNEL_NAME under ``jupyter_dir/kernels`` (add ``jupyter_dir`` to JUPYTER_PATH)."""
    spec_dir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "grader.sandbox", "launch", "--mode", mode,
            "--runtime", str(runtime_dir)]
    for path in hide:
        argv += ["--hide", str(path)]
    argv += ["{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (grading sandbox)", "language": "python",
            # Signals to the launcher do not reach a kernel in another PID namespace.
            "interrupt_mode": "message", "env": {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec


def _set_limits() -> None:
    for name, value in ((resource.RLIMIT_AS, LIMITS["address_space"]),
                        (resource.RLIMIT_CPU, LIMITS["cpu_seconds"]),
                        (resource.RLIMIT_NPROC, LIMITS["processes"]),
                        (resource.RLIMIT_FSIZE, LIMITS["file_size"])):
        soft, hard = resource.getrlimit(name)
        new = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(name, (new, new))


def bwrap_argv(connection_file: Path, hide: list[Path], scratch: Path, sockets: Path) -> list[str]:
    """The bubblewrap command line: the whole filesystem read-only, the secrets hidden.

    Writable inside: ``scratch`` (the kernel's working folder) and ``sockets``
    (where the kernel binds its ZeroMQ sockets). The connection file is bound
    read-only, even when it lies in ``sockets``, so a kernel cannot replace it
    with a link for the trusted side to write through on a restart.
    """
    argv = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--tmpfs", "/tmp", "--unshare-net", "--unshare-pid", "--unshare-ipc",
            "--die-with-parent", "--new-session", "--unsetenv", "JPY_PARENT_PID",
            "--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp",
            "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib"]
    hidden = [Path(p).resolve() for p in hide]
    for path in hidden:
        argv += ["--tmpfs", str(path)]
    # What the kernel needs from inside the hidden folders: the interpreter and the
    # helper package (read-only).
    needed_ro = [Path(sys.prefix), Path(sys.base_prefix), REPO / "genmod", BOOT]
    for path in needed_ro:
        path = path.resolve()
        if any(path == h or h in path.parents for h in hidden) or path.is_relative_to("/tmp"):
            argv += ["--ro-bind", str(path), str(path)]
    conn = Path(connection_file).resolve()
    argv += ["--bind", str(sockets), str(sockets), "--bind", str(scratch), str(scratch),
             "--ro-bind", str(conn), str(conn), "--chdir", str(scratch)]
    return argv


def _socket_folder(connection_file: Path) -> Path:
    """Where the kernel binds its IPC sockets: the folder of the connection file's ``ip``."""
    try:
        info = json.loads(Path(connection_file).read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"grading sandbox: unreadable connection file {connection_file}: {exc}")
    if info.get("transport") != "ipc":
        # Over TCP the kernel needs no folder, but TCP cannot cross an unshared network.
        raise SystemExit("grading sandbox: the kernel must use transport 'ipc' (see grader/nbgrader_run.py)")
    return Path(info["ip"]).resolve().parent


def _empty(folder: Path) -> None:
    """Remove what an earlier kernel of the shard left in the sockets' folder (the only
    folder kernels share), so that nothing passes from one student's kernel to the next."""
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            os.unlink(entry.path)


def make_scratch(runtime_dir: Path, notebook_dir: Path) -> Path:
    """A new empty folder for one kernel, with a copy of the student-visible notebook.

    The kernel's working folder as jupyter_client gives it (``notebook_dir``) is
    nbgrader's autograded folder, whose notebook has every hidden test restored;
    the kernel never sees it. The copy comes from nbgrader's ``submitted`` folder
    (the submission laid out on the release, so no hidden test), read without
    following links; if it is not there the folder stays empty.
    """
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=runtime_dir))
    notebook_dir = Path(notebook_dir)
    # nbgrader's layout: <course>/autograded/<student>/<lab>/ and <course>/submitted/<student>/<lab>/
    if len(notebook_dir.parents) >= 3 and notebook_dir.parents[1].name == "autograded":
        lab, student = notebook_dir.name, notebook_dir.parent.name
        src = notebook_dir.parents[2] / "submitted" / student / lab / f"{lab}.ipynb"
        copy_plain_file(src, scratch / src.name)
    return scratch


def copy_plain_file(src: Path, dest: Path) -> bool:
    """Copy ``src`` to a new file ``dest`` if ``src`` is a regular file and not a link; True if copied.

    The trusted side's only way of taking a file from a folder that untrusted
    code could have written: the source is opened with ``O_NOFOLLOW`` (a link
    is refused, not followed), checked to be a regular file after opening (no
    race between check and use), and the destination is created exclusively
    (an existing name, link or not, is never written through).
    """
    import stat

    try:
        fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            while chunk := os.read(fd, 1 << 20):
                os.write(out, chunk)
        finally:
            os.close(out)
        return True
    finally:
        os.close(fd)


def launch(mode: str, connection_file: str, runtime_dir: str, hide: list[str]) -> None:
    """Replace this process by the kernel, limited and (mode ``bwrap``) sandboxed, in a scratch folder."""
    scratch = make_scratch(Path(runtime_dir), Path.cwd())
    _set_limits()
    # No history database: it would keep every cell run so far, hidden tests included,
    # in a file the kernel can read.
    kernel = [sys.executable, str(BOOT), "-f", str(Path(connection_file).resolve()),
              "--HistoryManager.enabled=False"]
    if mode == "bwrap":
        sockets = _socket_folder(Path(connection_file))
        if sockets != Path(connection_file).resolve().parent:
            _empty(sockets)
        argv = bwrap_argv(Path(connection_file), [Path(h) for h in hide], scratch, sockets) + kernel
    else:
        os.chdir(scratch)
        argv = kernel
    sys.stdout.flush()
    os.execvp(argv[0], argv)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m grader.sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("launch", help="start a grading kernel (used by the kernelspec)")
    p.add_argument("--mode", choices=["bwrap", "limits"], required=True)
    p.add_argument("--runtime", required=True, help="folder of the connection file and sockets")
    p.add_argument("--hide", action="append", default=[], help="folder the kernel must not see")
    p.add_argument("connection_file")
    sub.add_parser("check", help="say whether the bubblewrap sandbox works here")
    args = parser.parse_args(argv)
    if args.command == "launch":
        launch(args.mode, args.connection_file, args.runtime, args.hide)
    else:
        print("bubblewrap sandbox: " + ("works" if bwrap_works() else
                                        "NOT available (apt-get install bubblewrap)"))


if __name__ == "__main__":
    main()
