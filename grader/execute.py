"""nbgrader's Execute step, made to survive a kernel that dies.

Stock nbgrader gives up on the whole notebook when the kernel dies (``os._exit``,
a segfault, the OOM killer): the student loses every point, including those of
the tests that had already passed. Here the cell that killed the kernel gets an
error (so its test, if it is one, scores zero), a fresh kernel is started, and
grading goes on with the next cell. Cells after it run without the state the
dead kernel had, so whatever depended on it fails too: the student loses the
affected points and keeps the rest.
"""

from __future__ import annotations

import nbformat
from jupyter_client.utils import run_sync
from nbclient.exceptions import DeadKernelError
from nbgrader.preprocessors import Execute

KERNEL_DIED = ("the kernel died while running this cell (the code exited the process, crashed "
               "it or ran out of memory); later cells ran in a fresh kernel")


class ResilientExecute(Execute):
    def preprocess_cell(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self.log.warning("kernel died in cell %d; restarting it", index)
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="DeadKernelError", evalue=KERNEL_DIED,
                traceback=[f"DeadKernelError: {KERNEL_DIED}"]))
            run_sync(self.km.restart_kernel)(now=True)
            run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)
            return cell, self.resources
