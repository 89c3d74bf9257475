"""The static scan flags code that could fool the hidden tests, and leaves honest lab code alone."""

from __future__ import annotations

import pytest

from grader.course import available_labs, source_notebook, student_notebook
from grader.notebooks import read_notebook
from grader.tamper import scan_notebook, scan_source

CHEATS = {
    "numpy function replaced": "import numpy as np\nnp.allclose = lambda *a, **k: True",
    "torch function replaced": "import torch\ntorch.allclose = lambda *a, **k: True",
    "tensor operator replaced": "import torch\ntorch.Tensor.__eq__ = lambda *a: True",
    "submodule function replaced": "import torch.testing\ntorch.testing.assert_close = print",
    "from-import target replaced": "from torch import testing\ntesting.assert_close = print",
    "code object swapped": "def f(): pass\nsliced_wasserstein.__code__ = f.__code__",
    "closure cell rewritten": "f.__closure__[0].cell_contents = 0",
    "input transformer": "get_ipython().input_transformers_cleanup.append(lambda l: [])",
    "ast transformer": "ip = get_ipython()\nip.ast_transformers.append(None)",
    "sys.modules": "import sys\nsys.modules['torch'].allclose = max",
    "builtins module": "import builtins\nbuiltins.abs = lambda x: 0",
    "__builtins__": "__builtins__.abs = lambda x: 0",
    "module aliased": "import torch\nt = torch\nt.allclose = max",
    "module in a container": "import torch\nms = [torch]\nms[0].allclose = max",
    "from-import aliased": "from torch import testing\nt = testing\nt.assert_close = print",
    "module passed to setattr": "import torch\nsetattr(torch, 'allclose', max)",
    "computed getattr": "import torch\nf = getattr(torch, 'all' + 'close')",
    "exec of a string": "exec('import torch; torch.allclose = max')",
    "eval": "eval('1 + 1')",
    "compile": "c = compile('x = 1', 'f', 'exec')",
    "dunder import": "m = __import__('torch')",
    "importlib": "import importlib\nm = importlib.import_module('torch')",
    "globals()": "globals()['sample'] = print",
    "vars()": "import torch\nvars(torch)['allclose'] = max",
    "__dict__": "torch.__dict__['allclose'] = max",
    "subclass walk": "x = ().__class__.__bases__[0].__subclasses__()",
    "gc": "import gc\ngc.get_objects()",
    "ctypes": "import ctypes",
    "sqlite3": "import sqlite3\nsqlite3.connect('gradebook.db')",
    "subprocess": "import subprocess\nsubprocess.run(['ls'])",
    "os._exit": "import os\nos._exit(0)",
    "os.system": "import os\nos.system('ls')",
    "shell escape": "!cat /etc/passwd",
    "unknown line magic": "%load_ext autoreload",
    "cell magic": "%%bash\nls",
    "cheat inside a harmless magic": "%time exec('1')",
    "star import": "from torch import *",
    "frame globals": "import sys\nsys._getframe().f_globals['x'] = 1",
}

HONEST = {
    "a network": ("import torch\nfrom torch import nn\n\nclass Net(nn.Module):\n"
                  "    def __init__(self):\n        super().__init__()\n        self.lin = nn.Linear(2, 2)\n"
                  "    def forward(self, x):\n        return self.lin(x)\n"),
    "training loop": ("import torch\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
                      "for _ in range(10):\n    loss = model(x).pow(2).mean()\n    opt.zero_grad()\n"
                      "    loss.backward()\n    opt.step()\nmodel.eval()\n"),
    "helpers from imports": ("from genmod.data import sample_toy\nfrom math import pi\n"
                             "x = sample_toy('moons', 100, seed=0)\ny = 2 * pi\n"
                             "history = train(model, loss_fn, 10, data=sample_toy)\n"),
    "no_grad and plots": ("import torch\nimport matplotlib.pyplot as plt\nwith torch.no_grad():\n"
                          "    y = model(x)\nfig, ax = plt.subplots()\nax.set_title('samples')\n"),
    "harmless magics": "%matplotlib inline\n%time y = sum(range(10))",
    "constant getattr": "n = getattr(model, 'hidden', 64)",
    "attribute of own object": "class A:\n    pass\na = A()\na.x = 1\nparam.grad = None",
    "environment read": "import os\nGRADING = os.environ.get('NBGRADER_EXECUTION') == 'autograde'",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_a_cheat_is_flagged(name):
    assert scan_source(CHEATS[name]), f"{name} was not flagged: {CHEATS[name]!r}"


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_code_is_not_flagged(name):
    assert scan_source(HONEST[name]) == []


@pytest.mark.parametrize("lab", available_labs())
def test_the_reference_solutions_and_the_released_labs_are_clean(lab):
    assert scan_notebook(read_notebook(source_notebook(lab))) == []
    assert scan_notebook(read_notebook(student_notebook(lab))) == []


def test_imports_in_an_earlier_cell_count_in_later_ones():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import torch as T"),
                nbformat.v4.new_code_cell("T.allclose = max")]
    (finding,) = scan_notebook(nb)
    assert finding.cell == 1 and "module T" in finding.reason and "T.allclose" in str(finding)


def test_a_cell_that_does_not_parse_is_not_a_finding():
    # It cannot run either: the tests that need it fail on their own.
    assert scan_source("def broken(:\n    pass") == []
