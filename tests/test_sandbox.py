"""The grading kernel: what a submission can and cannot do from inside it."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from grader import sandbox
from grader.course import REPO

needs_bwrap = pytest.mark.skipif(not sandbox.bwrap_works() and not os.environ.get("CI"),
                                 reason="bubblewrap is not available here (apt-get install bubblewrap)")


@pytest.fixture
def kernel(tmp_path, request):
    """Start a grading kernel in ``mode``; yields run(code) -> text of its output and errors."""
    from jupyter_client.manager import KernelManager

    mode = request.param
    secret_dir = tmp_path / "course"            # stands for the grading folder
    (secret_dir / "gradebook.db").parent.mkdir(parents=True)
    (secret_dir / "gradebook.db").write_text("grades")
    # nbgrader's layout: the graded notebook (hidden tests restored) where the kernel is
    # started, the submission as the student sent it in submitted/.
    cwd = secret_dir / "autograded" / "alice" / "lab"
    cwd.mkdir(parents=True)
    (cwd / "lab.ipynb").write_text("### BEGIN HIDDEN TESTS")
    (secret_dir / "submitted" / "alice" / "lab").mkdir(parents=True)
    (secret_dir / "submitted" / "alice" / "lab" / "lab.ipynb").write_text("the student's notebook")
    runtime = Path(tempfile.mkdtemp(prefix="gm-test-"))
    jupyter = tmp_path / "jupyter"
    sandbox.write_kernelspec(jupyter, mode, [REPO, secret_dir, Path.home()], runtime)
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(jupyter)
    km = KernelManager(kernel_name=sandbox.KERNEL_NAME, transport="ipc", ip=str(runtime / "k"))
    km.connection_file = str(runtime / "connection.json")
    km.start_kernel(cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)

    def run(code: str) -> str:
        out = []

        def hook(msg):
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

        kc.execute_interactive(code, output_hook=hook, timeout=120)
        return "".join(out).strip()

    run.cwd, run.secret, run.connection = cwd, secret_dir, Path(km.connection_file)
    yield run
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@needs_bwrap
@pytest.mark.parametrize("kernel", ["bwrap"], indirect=True)
def test_the_sandboxed_kernel_sees_no_solutions_gradebook_home_or_network(kernel):
    solution = REPO / "solutions" / "flow_matching" / "flow_matching.ipynb"
    assert "FileNotFoundError" in kernel(f"open({str(solution)!r})")
    assert "FileNotFoundError" in kernel(f"open({str(kernel.secret / 'gradebook.db')!r})")
    # Of the home folder only the Python installation may show (pyenv keeps it there).
    python_dirs = {Path(p).resolve().relative_to(Path.home().resolve()).parts[0]
                   for p in (sys.prefix, sys.base_prefix) if Path(p).resolve().is_relative_to(Path.home().resolve())}
    seen = kernel(f"import os; print(sorted(os.listdir({str(Path.home())!r})))")
    assert set(eval(seen)) <= python_dirs, seen
    net = kernel("import socket\ntry:\n    socket.create_connection(('127.0.0.1', 22), timeout=3)\n"
                 "    print('connected')\nexcept OSError as e:\n    print('no network', type(e).__name__)")
    assert net.startswith("no network"), net


@needs_bwrap
@pytest.mark.parametrize("kernel", ["bwrap"], indirect=True)
def test_the_sandboxed_kernel_can_use_torch_and_genmod_and_write_only_its_scratch_folder(kernel):
    assert kernel("import torch, genmod\nprint(torch.ones(2).sum().item())") == "2.0"
    assert kernel("open('scratch.txt', 'w').write('x'); print('ok')") == "ok"
    assert not (kernel.cwd / "scratch.txt").exists()
    assert "Error" in kernel(f"open({str(REPO / 'genmod' / 'x.py')!r}, 'w')")
    # The folder where nbgrader writes the graded notebook is not there at all.
    assert "FileNotFoundError" in kernel(f"open({str(kernel.cwd / 'lab.ipynb')!r})")
    # The connection file is read-only: no link for the trusted side to write through.
    assert "Error" in kernel(f"open({str(kernel.connection)!r}, 'a')")


@pytest.mark.parametrize("kernel", ["limits", pytest.param("bwrap", marks=needs_bwrap)], indirect=True)
def test_the_kernel_works_in_a_scratch_folder_with_only_the_students_notebook(kernel):
    assert kernel("import os; print(sorted(os.listdir('.')))") == "['lab.ipynb']"
    assert kernel("print(open('lab.ipynb').read())") == "the student's notebook"
    assert kernel("import os; print(os.getcwd())") != str(kernel.cwd)


def test_copying_out_of_a_folder_the_kernel_wrote_refuses_links_and_never_writes_through_one(tmp_path):
    from grader.sandbox import copy_plain_file

    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    (tmp_path / "link.ipynb").symlink_to(outside)
    assert not copy_plain_file(tmp_path / "link.ipynb", tmp_path / "copy.ipynb")
    assert not (tmp_path / "copy.ipynb").exists()
    os.mkfifo(tmp_path / "fifo")                       # would block a plain open()
    assert not copy_plain_file(tmp_path / "fifo", tmp_path / "copy.ipynb")
    (tmp_path / "nb.ipynb").write_text("{}")
    (tmp_path / "dest.ipynb").symlink_to(outside)       # a link waiting at the destination
    assert not _raises_or_false(lambda: copy_plain_file(tmp_path / "nb.ipynb", tmp_path / "dest.ipynb"))
    assert outside.read_text() == "secret"
    assert copy_plain_file(tmp_path / "nb.ipynb", tmp_path / "fresh.ipynb")
    assert (tmp_path / "fresh.ipynb").read_text() == "{}"


def _raises_or_false(call) -> bool:
    try:
        return call()
    except OSError:
        return False


@pytest.mark.parametrize("kernel", ["limits", pytest.param("bwrap", marks=needs_bwrap)], indirect=True)
def test_a_memory_bomb_fails_in_its_cell_and_the_kernel_lives_on(kernel):
    assert "MemoryError" in kernel("x = bytearray(64 * 2**30)")
    assert kernel("print(1 + 1)") == "2"


@pytest.mark.parametrize("kernel", ["limits"], indirect=True)
def test_code_swaps_and_raw_memory_are_refused_but_asyncio_still_works(kernel):
    out = kernel("def f(): return 1\ndef g(): return 2\nf.__code__ = g.__code__")
    assert "PermissionError" in out and "__code__" in out
    assert "PermissionError" in kernel("import ctypes\nctypes.string_at(id(1), 8)")
    assert kernel("import types\n@types.coroutine\ndef c():\n    yield\nprint('fine')") == "fine"


def test_resolve_mode_refuses_an_unknown_mode_and_require_needs_bubblewrap(monkeypatch):
    from grader.course import GraderError

    with pytest.raises(GraderError, match="auto, require or limits"):
        sandbox.resolve_mode("docker")
    monkeypatch.setattr(sandbox, "bwrap_works", lambda: False)
    assert sandbox.resolve_mode("auto") == "limits"
    with pytest.raises(GraderError, match="apt-get install bubblewrap"):
        sandbox.resolve_mode("require")
