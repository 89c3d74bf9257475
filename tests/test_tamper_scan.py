"""The static scan is an allowlist: it holds code that could fool the hidden tests, and no honest code.

Each cheat below is one instance of a class the scan must close, not a list
of tricks it matches: the rule that holds it is named in ``grader/tamper.py``.
"""

from __future__ import annotations

import copy

import nbformat
import pytest

from grader.course import available_labs, source_notebook, student_notebook
from grader.mutants import load_mutants, mutated_code
from grader.notebooks import canonicalise, fill_solutions, read_notebook
from grader.tamper import scan_notebook, scan_source

# What the labs' locked set-up cells bind, as the context for the snippets below.
SETUP = """\
import math
import os

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import genmod
from genmod.data import sample_toy
from genmod.metrics import sliced_wasserstein
from genmod.nn import MLP

genmod.setup_notebook(seed=0)
GRADING = os.environ.get("NBGRADER_EXECUTION") == "autograde"

def loss_fn(step):
    return torch.zeros(())
"""

CHEATS = {
    # the shell, reached by any name
    "get_ipython by its name": "get_ipython().input_transformers_cleanup.append(lambda l: [])",
    "an alias of get_ipython": "ip = get_ipython\nip().set_custom_exc((Exception,), print)",
    "exit holds the shell": "exit._ip.set_custom_exc((Exception,), lambda *a, **k: None)",
    "quit holds the shell": "shell = quit._ip\nshell.events.register('post_run_cell', print)",
    "input history": "x = In[-1]",
    "output history": "y = Out",
    "last result": "z = _",
    "history by number": "z = _i1",
    "the kernel's name rebound to itself": "exit = exit\nexit._ip.ast_node_interactivity = 'all'",
    "__builtins__": "__builtins__.abs = lambda x: 0",
    # code outside the notebook
    "a written module imported": "import answers",
    "a written module imported from": "from helper import sample_conditional_path",
    "a file written": "open('helper.py', 'w').write('x = 1')",
    "text written by numpy": "import numpy as np\nnp.savetxt('helper.py', [0], header='import os')",
    "bytes written by an array": "import numpy as np\nnp.zeros(3).tofile('helper.py')",
    "a pickle loaded": "w = torch.load('w.pt', weights_only=False)",
    "relative import": "from . import helper",
    # output tricks
    "%config": "%config InteractiveShell.ast_node_interactivity = 'all'",
    "unknown line magic": "%load_ext autoreload",
    "cell magic": "%%bash\nls",
    "shell escape": "!cat /etc/passwd",
    "displayhook through os.sys": "os.sys.displayhook('ok')",
    "cheat inside a harmless magic": "%time exec('1')",
    # monkeypatching past the scan
    "numpy function replaced": "import numpy as np\nnp.allclose = lambda *a, **k: True",
    "torch function replaced": "torch.allclose = lambda *a, **k: True",
    "tensor method replaced": "torch.Tensor.allclose = lambda *a, **k: True",
    "torch through genmod.nn": "genmod.nn.torch.allclose = lambda *a, **k: True",
    "torch through F": "F.torch.isclose = lambda *a, **k: True",
    "torch reached through F, read": "t = F.torch",
    "sys through os": "m = os.sys.modules",
    "sys through torch": "torch.sys.modules['x'] = 1",
    "from-import sideways": "from genmod.nn import torch as t",
    "from os import sys": "from os import sys",
    "submodule function replaced": "import torch.testing\ntorch.testing.assert_close = print",
    "from-import target replaced": "from torch import testing\ntesting.assert_close = print",
    "imported class patched": "from torch import Tensor\nTensor.allclose = max",
    "alias of a class patched": "T = torch.Tensor\nT.equal = max",
    "type() of a tensor patched": "C = type(torch.zeros(1))\nC.allclose = max",
    "patch through a call result": "type(torch.zeros(1)).allclose = max",
    "a class reached through mro()": "C = torch.Tensor.mro()[0]\nC.allclose = max",
    "a virtual subclass registered": "import numbers\nclass A:\n    pass\nnumbers.Real.register(A)",
    "module name rebound to a proxy": "class P:\n    pass\ntorch = P()",
    "module name as a function": "def plt(x):\n    return x",
    "module name as a loop variable": "for F in [1]:\n    pass",
    "module name as a parameter": "def f(torch):\n    return torch",
    "module declared global": "def f():\n    global torch\n    torch = 1",
    "module aliased": "t = torch\nt.allclose = max",
    "module in a container": "ms = [torch]",
    "locked helper redefined": "def sliced_wasserstein(a, b):\n    return 0.0",
    "locked helper reassigned": "sliced_wasserstein = lambda a, b: 0.0",
    "locked helper re-imported from elsewhere": "from math import fsum as sliced_wasserstein",
    "builtin redefined at top level": "isinstance = lambda *a: True",
    "the locked cells' object patched": "GRADING.real = 0",
    "a hidden test's name made global": "def f():\n    global _ref_path\n    _ref_path = print",
    "a frame's globals": "def g():\n    yield 1\nfr = g().gi_frame.f_globals",
    "private torch function": "x = torch.Tensor._make_subclass(torch.Tensor, torch.zeros(1))",
    "torch.library": "import torch.library",
    "torch.overrides": "from torch.overrides import TorchFunctionMode",
    "masked tensors": "m = torch.masked.masked_tensor(torch.zeros(2), torch.tensor([True, False]))",
    "os.system": "os.system('ls')",
    # dynamic access
    "exec of a string": "exec('torch.allclose = max')",
    "eval": "eval('1 + 1')",
    "compile": "c = compile('x = 1', 'f', 'exec')",
    "dunder import": "m = __import__('torch')",
    "importlib": "import importlib",
    "setattr": "setattr(torch, 'allclose', max)",
    "computed getattr": "f = getattr(torch, 'all' + 'close')",
    "getattr of a dunder": "g = getattr(sample_toy, '__globals__')",
    "getattr reaching a module sideways": "s = getattr(os, 'sys')",
    "globals()": "globals()['sample'] = print",
    "vars()": "vars(torch)['allclose'] = max",
    "__dict__": "d = torch.__dict__",
    "code object swapped": "def f(): pass\nsliced_wasserstein.__code__ = f.__code__",
    "subclass walk": "x = ().__class__.__bases__[0].__subclasses__()",
    "format string reaching dunders": "s = '{0.__globals__}'.format(sample_toy)",
    "type with three arguments": "X = type('X', (torch.Tensor,), {})",
    "breakpoint": "breakpoint()",
    "ctypes": "import ctypes",
    "sqlite3": "import sqlite3",
    "subprocess": "import subprocess",
    "star import": "from torch import *",
    "get_type_hints evaluates strings": "import typing\nh = typing.get_type_hints(loss_fn)",
    # objects that lie
    "__eq__ that always agrees": "class A:\n    def __eq__(self, other):\n        return True",
    "__torch_function__": ("class A:\n    @classmethod\n    def __torch_function__(cls, func, types, args=(), kwargs=None):\n"
                           "        return True"),
    "__bool__": "class A:\n    def __bool__(self):\n        return True",
    "__float__": "class A:\n    def __float__(self):\n        return 0.0",
    "__array__": "class A:\n    def __array__(self, dtype=None):\n        return None",
    "comparison": "class A:\n    def __lt__(self, other):\n        return True",
    "special method as an attribute": "class A:\n    __eq__ = lambda self, other: True",
    "Tensor subclass": "class T(torch.Tensor):\n    pass",
    "Parameter subclass": "class P(torch.nn.Parameter):\n    pass",
    "float subclass": "class Half(float):\n    pass",
    "ndarray subclass": "import numpy as np\nclass A(np.ndarray):\n    pass",
    "tuple subclass": "class Pair(tuple):\n    pass",
    "metaclass": "class M:\n    pass\nclass A(metaclass=M):\n    pass",
    "base the scan cannot check": "B = torch.Tensor\nclass A(B):\n    pass",
}

HONEST = {
    "a network": ("from torch import nn\n\nclass Net(nn.Module):\n"
                  "    def __init__(self):\n        super().__init__()\n        self.lin = nn.Linear(2, 2)\n"
                  "    def forward(self, x):\n        return self.lin(x)\n"),
    "training loop": ("model = MLP(2, 2)\nx = torch.randn(8, 2)\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
                      "for _ in range(10):\n    loss = model(x).pow(2).mean()\n    opt.zero_grad()\n"
                      "    loss.backward()\n    opt.step()\nmodel.eval()\n"),
    "helpers from imports": ("from genmod.data import sample_toy\nfrom math import pi\n"
                             "x = sample_toy('moons', 100, seed=0)\ny = 2 * pi\n"
                             "history = genmod.training.train(MLP(2, 2), loss_fn, 10)\n"),
    "no_grad and plots": ("model = MLP(2, 2)\nwith torch.no_grad():\n    y = model(torch.zeros(1, 2))\n"
                          "fig, ax = plt.subplots()\nax.set_title(f'samples {y.shape}')\ncmap = plt.cm.viridis\n"),
    "harmless magics": "%matplotlib inline\n%time y = sum(range(10))\n%timeit -n 1 -r 1 z = y + 1",
    "constant getattr": "model = MLP(2, 2)\nn = getattr(model, 'hidden', 64)\nok = hasattr(model, 'forward')",
    "attributes of own objects": "class A:\n    pass\na = A()\na.x = 1\nmodel = MLP(2, 2)\nfor p in model.parameters():\n    p.grad = None",
    "environment read": "flag = os.environ.get('NBGRADER_EXECUTION') == 'autograde'\np = os.path.join('a', 'b')",
    "lambdas and comprehensions": ("f = lambda t: t ** 2\nsq = [f(i) for i in range(3)]\nd = {k: v for k, v in zip('ab', sq)}\n"
                                   "s = {abs(i) for i in sq}\ng = sum(i for i in sq if i)\nfirst = sorted(d.items())[0]"),
    "loop variables that shadow the kernel's": "for _ in range(2):\n    pass\nxs = [_i * 2 for _i in range(3)]\n"
                                               "def f(_):\n    return _ + 1",
    "assert, print, isinstance, enumerate": ("x = torch.ones(3)\nassert isinstance(x, torch.Tensor), 'a tensor'\n"
                                             "for i, v in enumerate(x):\n    print(i, float(v))\nassert x.shape == (3,)"),
    "dataclass": ("from dataclasses import dataclass, field\n\n@dataclass\nclass Config:\n    steps: int = 10\n"
                  "    sizes: list = field(default_factory=list)\n    def __post_init__(self):\n        self.steps = int(self.steps)\n"),
    "functools.partial and math": ("import functools\nfrom functools import partial\n"
                                   "step = partial(max, 0)\nh = functools.reduce(lambda a, b: a + b, [1, 2])\n"
                                   "z = math.sqrt(2) * math.pi + math.log(3)"),
    "type hints and __future__": ("from __future__ import annotations\nfrom typing import Callable, Optional\n\n"
                                  "def euler_step(v: Callable, x: torch.Tensor, t: float, h: float) -> torch.Tensor:\n"
                                  "    return x + h * v(x, t)\n\ndef g(x: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, float]:\n"
                                  "    return x, 0.0\n"),
    "functional API and distributions": ("x = torch.randn(4, 2)\ny = F.softplus(x) + F.logsigmoid(x)\n"
                                         "n = torch.distributions.Normal(0.0, 1.0).log_prob(x)\nj = torch.linalg.det(torch.eye(2))\n"
                                         "g, = torch.autograd.grad(y.sum(), x.requires_grad_())\n"),
    "numpy and random": "import numpy as np\nimport random\nr = random.Random(0).random()\na = np.asarray([1.0]).mean()",
    "a class with allowed special methods": ("class Steps:\n    def __init__(self, n):\n        self.n = n\n"
                                             "    def __len__(self):\n        return self.n\n    def __iter__(self):\n"
                                             "        return iter(range(self.n))\n    def __repr__(self):\n        return f'Steps({self.n})'\n"),
    "autograd Function": ("class Square(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                          "        ctx.save_for_backward(x)\n        return x * x\n    @staticmethod\n    def backward(ctx, g):\n"
                          "        x, = ctx.saved_tensors\n        return 2 * x * g\n"),
    "an exception class": "class Diverged(RuntimeError):\n    pass\ntry:\n    raise Diverged('x')\nexcept Diverged as e:\n    msg = str(e)",
    "with, try, while, walrus": ("import warnings\nwith warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n"
                                 "n = 0\nwhile (n := n + 1) < 3:\n    continue\n"),
    "unfinished stub": "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n    return x_next",
    "local names that shadow builtins": "def f(xs):\n    sum = 0\n    for id in xs:\n        sum += id\n    return sum",
    "the set-up's module again": "import torch\nimport torch.nn.functional as F\nfrom genmod.metrics import sliced_wasserstein",
    "a scratch cell reusing the locked cells' names": "GRADING = True\nfig, ax = plt.subplots()\nax.plot([1, 2])",
    "the student's own global": "calls = 0\ndef f():\n    global calls\n    calls += 1",
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_a_cheat_is_held(name):
    assert scan_source(CHEATS[name], SETUP), f"{name} was not held: {CHEATS[name]!r}"


@pytest.mark.parametrize("name", sorted(HONEST))
def test_honest_code_is_not_held(name):
    assert scan_source(HONEST[name], SETUP) == []


def test_the_set_up_itself_is_honest():
    assert scan_source(SETUP) == []


def _honest_notebooks(lab):
    """Every honest notebook of a lab: the reference (source and filled release) and each eq_ variant."""
    source, release = read_notebook(source_notebook(lab)), read_notebook(student_notebook(lab))
    yield "source", source
    yield "release", release
    yield "reference", fill_solutions(release, source)
    for m in load_mutants(lab):
        if m.name.startswith("eq_"):
            yield m.name, fill_solutions(release, source, replace={m.cell: mutated_code(source, m)})


@pytest.mark.parametrize("lab", available_labs())
def test_no_honest_variant_of_a_lab_is_held(lab):
    release = read_notebook(student_notebook(lab))
    held = []
    for name, nb in _honest_notebooks(lab):
        # As submitted, and as the kernel will run it (the release's locked cells put back).
        views = [nb] if name == "source" else [nb, canonicalise(nb, release)[0]]
        for view in views:
            held += [f"{name}: {f}" for f in scan_notebook(view)]
    assert held == []


def test_the_scan_reads_what_the_kernel_runs_not_what_a_student_labels_trusted():
    # A student's own cell dressed as a locked cell is stripped of that label by
    # canonicalise, and then scanned.
    release = read_notebook(student_notebook("flow_matching"))
    nb = fill_solutions(release, read_notebook(source_notebook("flow_matching")))
    fake = nbformat.v4.new_code_cell("torch.allclose = lambda *a, **k: True", metadata={
        "nbgrader": {"grade_id": "my_setup", "locked": True, "solution": False, "grade": False}})
    nb.cells.insert(3, fake)
    assert scan_notebook(canonicalise(nb, release)[0])


def test_imports_in_an_earlier_cell_count_in_later_ones():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import torch as T"),
                nbformat.v4.new_code_cell("T.allclose = max")]
    findings = scan_notebook(nb)
    assert findings and all(f.cell == 1 for f in findings)
    assert any("T" in f.reason and "T.allclose" in str(f) for f in findings)


def test_a_cell_that_does_not_parse_is_not_a_finding():
    # It cannot run either: the tests that need it fail on their own.
    assert scan_source("def broken(:\n    pass") == []


def test_each_finding_names_its_line():
    (finding,) = scan_source("x = 1\ny = 2\ntorch.allclose = max", SETUP)
    assert finding[0] == 3 and "torch" in finding[1] and finding[2] == "torch.allclose = max"


def test_a_helper_the_lab_grades_is_off_limits_in_that_lab_only():
    # The evaluation lab grades an unbiased MMD² and a sliced Wasserstein distance,
    # which genmod.metrics ships for the other labs: calling it there is copying.
    from grader.tamper import off_limits

    source = read_notebook(source_notebook("evaluation"))
    limits = off_limits(source)
    assert "genmod.metrics" in limits
    # autograde reads them from the release it grades against
    assert off_limits(read_notebook(student_notebook("evaluation"))) == limits
    assert scan_notebook(source, limits) == [], "the reference itself must not be held"
    for cheat in ("from genmod import metrics as m", "import genmod.metrics",
                  "from genmod.metrics import mmd_rbf", "import genmod\nsw = genmod.metrics.sliced_wasserstein"):
        nb = copy.deepcopy(source)
        cell = next(c for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution"))
        cell.source += "\n" + cheat + "\n"
        reasons = [f.reason for f in scan_notebook(nb, limits)]
        assert any("genmod.metrics" in r for r in reasons), (cheat, reasons)
        assert not any("genmod.metrics" in f.reason for f in scan_notebook(nb)), "only where the lab says so"
    assert off_limits(read_notebook(source_notebook("flow_matching"))) == {}
