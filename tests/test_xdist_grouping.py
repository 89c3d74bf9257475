"""The suite relies on pytest-xdist's ``xdist_group`` to build the book once and grade each corpus once."""

from __future__ import annotations

import subprocess
import sys


def test_tests_of_one_xdist_group_run_on_one_worker(tmp_path):
    # pytest 9 with pytest-xdist 3.8 silently spread a group over workers, which
    # built the book once per worker; constraints.txt pins a pytest that keeps them.
    (tmp_path / "test_group.py").write_text(
        "import os, pytest, time\n"
        + "".join(f"@pytest.mark.xdist_group('g')\ndef test_{k}():\n    time.sleep(0.3)\n"
                  f"    open('w{k}', 'w').write(os.environ['PYTEST_XDIST_WORKER'])\n" for k in range(4))
        + "def test_free():\n    time.sleep(0.3)\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q",
                           "-p", "no:cacheprovider", "test_group.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workers = {(tmp_path / f"w{k}").read_text() for k in range(4)}
    assert len(workers) == 1, f"one group ran on {sorted(workers)}"
