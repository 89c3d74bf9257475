"""nbgrader's Execute step, made to survive a kernel that dies and to reset the shell before each test.

Stock nbgrader gives up on the whole notebook when the kernel dies (``os._exit``,
a segfault, the OOM killer): the student loses every point, including those of
the tests that had already passed. Here the cell that killed the kernel gets an
error (so its test, if it is one, scores zero), a fresh kernel is started, and
grading goes on with the next cell. Cells after it run without the state the
dead kernel had, so whatever depended on it fails too: the student loses the
affected points and keeps the rest.

A submission runs in the same kernel as the hidden tests. Before any cell runs,
a trusted snippet (``grader/kernel_state.py``) records the kernel's shell hooks
and the functions test cells call; before every test cell it puts them back,
so a custom exception handler, a ``post_run_cell`` hook, a silenced
traceback, an input transformer or a patched ``torch.allclose`` installed by
the student's code is gone when the test runs, and every name a locked or test
cell bound (``torch``, the trained ``model``) holds what that cell left in it. The snippet reaches the kernel
as a ``user_expressions`` entry of an empty, silent execute request: IPython
evaluates those without its input transformers, event hooks or history, which
a submission could have changed. It runs in the student's process, so it is
defence in depth behind the static scan (``grader/tamper.py``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from jupyter_client.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbclient.util import ensure_async
from nbgrader.preprocessors import Execute

KERNEL_DIED = ("the kernel died while running this cell (the code exited the process, crashed "
               "it or ran out of memory); later cells ran in a fresh kernel")
RESET_FAILED = ("grading: the kernel's shell could not be reset before this test cell (the "
                "submission changed the kernel's internals)")

_STATE_SOURCE = Path(__file__).with_name("kernel_state.py").read_text()
# Evaluated in the kernel with the real builtins; the snippet's globals are a fresh dict.
SNAPSHOT = ("(lambda g: __import__('builtins').exec(" + repr(_STATE_SOURCE + "\n_result = snapshot()\n")
            + ", g) or g['_result'])({'__name__': '_genmod_grading'})")
RESET = "__import__('sys').modules['_genmod_grading_state'].reset()"
MARK = "__import__('sys').modules['_genmod_grading_state'].mark()"
NOTE = "__import__('sys').modules['_genmod_grading_state'].note()"


def _is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _is_trusted_cell(cell) -> bool:
    """A locked or test cell: the lab's own code, put back from the release before grading."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return (cell.get("cell_type") == "code" and bool(meta.get("locked") or meta.get("grade"))
            and not meta.get("solution"))


class ResilientExecute(Execute):
    _baseline_taken = False

    def _trusted(self, *expressions: str) -> list[tuple[bool, str]]:
        """Evaluate ``expressions``, in order, in the kernel outside the shell's cell machinery.

        One request for all of them (each round trip costs the grading time):
        ``[(ok, text)]``, one per expression.
        """
        keys = [f"r{k}" for k in range(len(expressions))]

        async def go():
            msg_id = await ensure_async(self.kc.execute(
                "", silent=True, store_history=False, allow_stdin=False,
                user_expressions=dict(zip(keys, expressions))))
            return await self.async_wait_for_reply(msg_id)

        reply = run_sync(go)()
        results = (reply or {}).get("content", {}).get("user_expressions", {})
        out = []
        for key in keys:
            result = results.get(key, {})
            if result.get("status") != "ok":
                out.append((False, f"{result.get('ename', 'no reply')}: {result.get('evalue', '')}"))
            else:
                out.append((True, str(result.get("data", {}).get("text/plain", ""))))
        return out

    def preprocess(self, nb, resources=None, km=None):
        # One kernel per notebook: each takes its own baseline.
        self._baseline_taken = False
        return super().preprocess(nb, resources, km=km)

    def preprocess_cell(self, cell, resources, index):
        try:
            code = cell.get("cell_type") == "code" and cell.source.strip()
            # Everything due before this cell goes in one request (each round trip costs
            # grading time): the baseline before the first cell, the reset before a test
            # cell, and the mark of the names a trusted cell will bind.
            before = []
            first = code and not self._baseline_taken
            if first:
                before.append(SNAPSHOT)
                self._baseline_taken = True
            test = code and _is_test_cell(cell)
            if test:
                before.append(RESET)
            trusted = code and _is_trusted_cell(cell)
            if trusted:
                before.append(MARK)
            replies = dict(zip(before, self._trusted(*before))) if before else {}
            if first:
                ok, text = replies[SNAPSHOT]
                self.log.info("kernel baseline (cell %d): %s", index, text) if ok else \
                    self.log.warning("no kernel baseline: %s", text)
            if test:
                ok, text = replies[RESET]
                if not ok:
                    self.log.warning("reset before test cell %d failed: %s", index, text)
                    cell, resources = super().preprocess_cell(cell, resources, index)
                    cell.outputs.append(nbformat.v4.new_output(
                        "error", ename="GradingError", evalue=RESET_FAILED,
                        traceback=[f"GradingError: {RESET_FAILED}"]))
                    return cell, resources
                if text.strip("'\""):
                    self.log.warning("before test cell %d, restored: %s", index, text)
            cell, resources = super().preprocess_cell(cell, resources, index)
            if trusted:
                [(ok, text)] = self._trusted(NOTE)
                if not ok:
                    self.log.warning("could not note the names of trusted cell %d: %s", index, text)
            return cell, resources
        except DeadKernelError:
            self.log.warning("kernel died in cell %d; restarting it", index)
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="DeadKernelError", evalue=KERNEL_DIED,
                traceback=[f"DeadKernelError: {KERNEL_DIED}"]))
            run_sync(self.km.restart_kernel)(now=True)
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            self._baseline_taken = False
            return cell, self.resources
