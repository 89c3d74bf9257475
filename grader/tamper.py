"""Static scan of a submission for code that could fool the hidden tests: an allowlist.

The sandbox keeps a submission away from the solutions, the gradebook and the
network, but not away from its own kernel, where the hidden tests run. A
denylist of tricks (``np.allclose = ...``, ``get_ipython()``, ``sys.modules``)
was beaten by every new route to the same places: the shell reached through
``exit``, a module reached as another module's attribute (``genmod.nn.torch``,
``os.sys``), a name rebound to a proxy, a ``.py`` file written and imported,
objects whose ``__eq__`` or ``__torch_function__`` lie. So the scan now says
what student code *may* do, and holds anything else for review:

* **names**: every name it reads is bound by the notebook's own code, a safe
  builtin, or an imported allowed module. The kernel's own names (``In``,
  ``Out``, ``_``, ``_ih``, ``exit``, ``quit``, ``get_ipython``) and the dynamic
  builtins (``exec``, ``eval``, ``compile``, ``open``, ``__import__``,
  ``setattr``, ``delattr``, ``globals``, ``locals``, ``vars``, ``breakpoint``,
  ``input``, ``help``; ``getattr`` with a computed or dunder name, ``type`` with
  three arguments) are never allowed;
* **imports** only from an allowlist (``torch``, ``numpy``, ``math``,
  ``genmod`` ... with their public submodules, minus those that load code or
  make tensors that lie), so a module the submission wrote is never imported;
* **modules** are only used through attribute chains, which are resolved here,
  in the trusted process: a chain may not reach another module than the one it
  names (``F.torch``, ``os.sys``), a private or file-touching attribute, and
  nothing reached through a module may be assigned to or deleted. Module names
  may not be rebound (``torch = Proxy()``, ``def np()``, ``for F in ...``), nor
  may the names the lab's locked cells define, nor builtins at top level;
* **dunder attributes** of any kind (``__code__``, ``__class__``,
  ``__globals__``...), except ``super().__init__()`` and its like;
* **classes** may define only ``__init__``, ``__call__``, ``__repr__``,
  ``__str__``, ``__len__``, ``__getitem__``, ``__iter__``, ``__next__`` and
  ``__post_init__`` among the special methods, take no metaclass, and may not
  subclass tensors, arrays, numbers or builtin containers: a returned object
  cannot lie to ``==``, ``torch.allclose`` or ``bool``;
* **magics** other than ``%matplotlib``, ``%time`` and ``%timeit`` (whose code
  is scanned too), and every shell escape, read after IPython's own input
  transformation.

The scan reads what the kernel will run: the notebook after the release's
locked and test cells were put back (``grader.notebooks.canonicalise``). Those
cells are trusted and only bind names; every other code cell (the solution
cells, the student's own cells) is checked. A rule may hold honest code; the
result is a review, not a penalty, and the instructor sees the line.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
import types
from dataclasses import dataclass
from functools import lru_cache

import nbformat

# Top-level packages student code may import, and the parts of them it may not.
ALLOWED_PACKAGES = {
    "torch", "numpy", "math", "cmath", "random", "functools", "itertools", "collections",
    "dataclasses", "typing", "time", "warnings", "matplotlib", "genmod", "tqdm", "scipy", "copy",
    "statistics", "numbers", "abc", "__future__", "os",
}
DENIED_MODULES = {
    # load or compile code, start processes, reach the network
    "torch.hub", "torch.package", "torch.jit", "torch.compiler", "torch.export", "torch.onnx",
    "torch.utils.cpp_extension", "torch.utils.benchmark", "torch.utils.model_zoo",
    "torch.utils.collect_env", "torch.serialization", "torch.multiprocessing", "torch.distributed",
    "torch.library", "torch.overrides", "torch.fx", "torch.utils.hooks",
    # tensors whose comparisons do not compare every element
    "torch.masked", "torch.nested", "numpy.ma",
    "numpy.ctypeslib", "numpy.f2py", "numpy.distutils", "numpy.testing.overrides",
    "matplotlib.testing", "scipy.weave",
}
# `os` is here for `os.environ.get(...)`; of it, only these.
LIMITED_ATTRS = {
    "os": {"environ", "getenv", "path", "cpu_count", "sep", "linesep", "curdir", "pardir", "getcwd"},
    "posixpath": {"join", "exists", "basename", "dirname", "splitext", "isfile", "isdir", "abspath",
                  "split", "sep"},
}
# A module reached under another name than its own, which is what it is.
REEXPORTS = {("os.path", "posixpath")}
# Attributes that read or write files, load code or evaluate annotations, wherever they are.
RISKY_ATTRS = {"tofile", "savetxt", "savez", "savez_compressed", "fromfile", "memmap",
               "open_memmap", "load_library", "load_inline", "make_dataclass", "DataSource",
               "get_type_hints", "singledispatch", "singledispatchmethod", "ForwardRef", "mro",
               # frames, code and closures: the way to another scope's variables
               "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "ag_frame", "ag_code",
               "f_globals", "f_locals", "f_back", "f_builtins", "f_code", "f_trace", "tb_frame",
               "tb_next", "co_code", "co_consts", "cell_contents"}
# ... and those, when reached through a module (torch.load runs a pickle).
RISKY_MODULE_ATTRS = {"load", "save", "compile", "loadtxt", "genfromtxt", "fromregex", "register",
                      "register_module_forward_hook", "register_module_forward_pre_hook",
                      "register_module_full_backward_hook"}

DENIED_BUILTINS = {"exec", "eval", "compile", "open", "__import__", "setattr", "delattr", "globals",
                   "locals", "vars", "breakpoint", "input", "help", "memoryview", "exit", "quit",
                   "copyright", "credits", "license", "__build_class__", "__loader__", "__spec__",
                   "__debug__", "__builtins__"}
SAFE_BUILTINS = ({n for n in dir(builtins) if not n.startswith("__")} - DENIED_BUILTINS) | {"display"}
# The names IPython puts in the user's namespace: the shell and the history.
KERNEL_NAME = re.compile(r"^(In|Out|exit|quit|get_ipython|_ih|_oh|_dh|_i\d*|_ii+|_\d+|_+)$")
SPECIAL_OK = {"__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__", "__iter__",
              "__next__", "__post_init__"}
HARMLESS_MAGICS = {"matplotlib", "time", "timeit"}
DUNDER = re.compile(r"^__\w+__$")


@dataclass(frozen=True)
class Finding:
    cell: int        # index of the code cell in the notebook
    line: int        # line in that cell (after IPython's transformation of magics)
    reason: str
    code: str        # the offending line, for the reviewer

    def __str__(self) -> str:
        return f"cell {self.cell}, line {self.line}: {self.reason}: {self.code.strip()[:80]}"


# --------------------------------------------------------------------------- modules, resolved here

def module_allowed(dotted: str) -> bool:
    parts = dotted.split(".")
    if parts[0] not in ALLOWED_PACKAGES or any(p.startswith("_") for p in parts[1:]):
        return False
    if parts[0] == "os" and dotted not in {"os", "os.path"}:
        return False
    return not any(dotted == d or dotted.startswith(d + ".") for d in DENIED_MODULES)


@lru_cache(maxsize=None)
def _import(dotted: str):
    """The module, imported in this (trusted) process; only allowed names are ever imported."""
    if not module_allowed(dotted) and dotted != "posixpath":
        return None
    try:
        return importlib.import_module(dotted)
    except Exception:
        return None


_MISSING = object()


def _getattr(obj, name):
    try:
        return getattr(obj, name)
    except Exception:
        return _MISSING


def _module_step(parent_path: str, attr: str, value) -> str | None:
    """Why reaching module ``value`` as ``parent_path.attr`` is not allowed, or None."""
    written, real = f"{parent_path}.{attr}", value.__name__
    if (written, real) in REEXPORTS:
        return None
    if not module_allowed(real):
        return (f"uses module {real}, which is not on the allowed list" if real == written
                else f"reaches module {real} through {written}")
    top = written.split(".")[0]
    # plt.cm is matplotlib.cm: fine. F.torch or genmod.nn.torch is torch itself, reached
    # sideways: a route past the rules on `torch`.
    if real != written and not (real.startswith(top + ".") and not written.startswith(real + ".")):
        return f"reaches module {real} as {written}"
    return None


@lru_cache(maxsize=None)
def _lying_bases():
    import numbers

    bases = [numbers.Number, int, float, complex, str, bytes, bytearray, tuple, list, dict, set,
             frozenset, type]
    for mod, name in (("torch", "Tensor"), ("numpy", "ndarray"), ("numpy", "generic")):
        m = _import(mod)
        if m is not None:
            bases.append(getattr(m, name))
    return tuple(bases)


# --------------------------------------------------------------------------- reading cells

def _transform(source: str) -> str:
    """IPython's own translation of magics and shell escapes into Python calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _magic_calls(tree: ast.AST):
    """(node, kind, args) of the get_ipython().<kind>(...) calls IPython produced."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id == "get_ipython" and not node.func.value.args):
            yield node, node.func.attr, node.args


_TIMEIT_OPTION = re.compile(r"^\s*(-[A-Za-z]+(\s+[0-9.]+)?\s+)*")


@dataclass
class _Cell:
    index: int
    trusted: bool
    locked: bool            # trusted, and not a test: set-up, training, evaluation
    code: str
    tree: ast.AST | None
    lines: list[str]
    magics: list            # [(line, reason)] for magics that are not allowed
    allowed_magic_nodes: set  # ids of the get_ipython() calls of allowed magics
    nested: list            # [(line, ast tree)] code given to %time / %timeit


def _parse(index: int, source: str, trusted: bool, locked: bool = False) -> _Cell:
    try:
        code = _transform(source)
        tree = ast.parse(code)
    except SyntaxError:
        # A cell that does not parse cannot run either: the tests that need it fail on their own.
        return _Cell(index, trusted, locked, source, None, source.splitlines(), [], set(), [])
    _prune_dead_code(tree)
    cell = _Cell(index, trusted, locked, code, tree, code.splitlines(), [], set(), [])
    for node, kind, args in _magic_calls(tree):
        name = args[0].value if args and isinstance(args[0], ast.Constant) else None
        if kind in {"run_line_magic", "run_cell_magic"} and name in HARMLESS_MAGICS:
            cell.allowed_magic_nodes.add(id(node.func.value.func))
            if name in {"time", "timeit"}:
                for arg in args[1:]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                        text = _TIMEIT_OPTION.sub("", arg.value) if name == "timeit" else arg.value
                        try:
                            cell.nested.append((node.lineno, ast.parse(text)))
                        except SyntaxError:
                            cell.magics.append((node.lineno, f"%{name} with code the scan cannot read"))
            continue
        cell.allowed_magic_nodes.add(id(node.func.value.func))
        cell.magics.append((node.lineno, f"IPython {kind} {name or ''}".strip()))
    return cell


def _prune_dead_code(tree: ast.AST) -> None:
    """Drop the statements after a ``raise``/``return``/``break``/``continue`` in the same block.

    They never run; the released stubs keep the answer's last line after
    ``raise NotImplementedError()`` (``return x_next``), with names no code binds.
    """
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list):
                for k, stmt in enumerate(stmts):
                    if isinstance(stmt, (ast.Raise, ast.Return, ast.Break, ast.Continue)):
                        del stmts[k + 1:]
                        break


def _local_names(node: ast.AST) -> set[str]:
    """Names a function, lambda or comprehension binds in its own scope (so they are not globals)."""
    declared: set[str] = set()
    names: set[str] = set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        names |= {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg] if x}
        body = node.body if isinstance(node.body, list) else [node.body]
    else:   # a comprehension: its targets
        body = [g.target for g in node.generators]
    stack = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            declared.update(n.names)
        for name, _ in _bindings(n):
            names.add(name)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                          ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue        # their insides are their own scope; their name (if any) is ours
        stack.extend(ast.iter_child_nodes(n))
    return names - declared


def _trees(cell: _Cell):
    if cell.tree is not None:
        yield 0, cell.tree
    yield from cell.nested


def _toplevel(tree: ast.AST):
    """Nodes that run at the notebook's top level (not inside a function, lambda or class body)."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _bindings(node: ast.AST):
    """(name, kind) of the names ``node`` binds itself."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
        yield node.id, "assign"
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        yield node.name, "def"
    elif isinstance(node, ast.ClassDef):
        yield node.name, "class"
    elif isinstance(node, ast.arg):
        yield node.arg, "arg"
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name, "assign"
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        yield node.name, "assign"
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest, "assign"
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                name = alias.asname or (alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name)
                yield name, "import"


def _import_targets(node: ast.AST):
    """(bound name, dotted path written, object or None) for each name an import binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            path = alias.name if alias.asname else alias.name.split(".")[0]
            yield alias.asname or path, path, _import(path)
    elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
        mod = _import(node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            value = _MISSING if mod is None else _getattr(mod, alias.name)
            if value is _MISSING:   # `from genmod import nn` of a submodule not imported yet
                value = _import(f"{node.module}.{alias.name}")
            yield alias.asname or alias.name, f"{node.module}.{alias.name}", value


def _chain(node: ast.AST):
    """``a.b.c`` -> (Name a, ['b', 'c']); None when the chain does not start at a name."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return (node, attrs[::-1]) if isinstance(node, ast.Name) else None


def _target_base(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node


class _Notebook:
    """What the whole notebook binds, for judging each editable cell."""

    def __init__(self, cells: list[_Cell]):
        self.bound: set[str] = set()
        self.modules: dict[str, str] = {}      # name -> real module name, for import bindings to modules
        self.objects: dict[str, object] = {}   # name -> object, for imports of non-modules
        self.protected: dict[str, str] = {}    # name -> what locked cells bind it to
        self.classes: set[str] = set()         # names of classes the notebook defines
        self.derived: set[str] = set()         # names bound to something that lives in a module
        self.student_globals: set[str] = set()  # names the editable cells bind at top level
        self.locked_vars: set[str] = set()     # names the locked (non-test) cells bind at top level
        for cell in cells:
            for _, tree in _trees(cell):
                for node in ast.walk(tree):
                    for name, _kind in _bindings(node):
                        self.bound.add(name)
                    if isinstance(node, ast.ClassDef):
                        self.classes.add(node.name)
                    for name, path, value in _import_targets(node):
                        if isinstance(value, types.ModuleType):
                            self.modules.setdefault(name, value.__name__)
                        elif value is not None and value is not _MISSING:
                            self.objects.setdefault(name, value)
                for node in _toplevel(tree):
                    if cell.trusted and isinstance(node, (ast.Import, ast.ImportFrom)):
                        for name, path, _ in _import_targets(node):
                            self.protected.setdefault(name, path)
                    elif cell.trusted and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                            ast.ClassDef)):
                        self.protected.setdefault(node.name, node.name)
                    elif cell.locked:
                        # The trained model, the data: what the tests read. Rebinding such a name
                        # is undone in the kernel before each test (grader/kernel_state.py);
                        # assigning into the object is held here.
                        self.locked_vars.update(name for name, _ in _bindings(node))
                    elif not cell.trusted:
                        self.student_globals.update(name for name, _ in _bindings(node))
        # Aliases of things that live in modules (`T = torch.Tensor`, `C = type(x)`):
        # assigning through them patches the module.
        for _ in range(3):
            for cell in cells:
                for _, tree in _trees(cell):
                    for node in ast.walk(tree):
                        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                            if self._lives_in_module(node.value):
                                for t in targets:
                                    for n in ast.walk(t):
                                        if isinstance(n, ast.Name):
                                            self.derived.add(n.id)

    def _lives_in_module(self, value: ast.AST) -> bool:
        if isinstance(value, (ast.Tuple, ast.List)):
            return any(self._lives_in_module(v) for v in value.elts)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "type":
            return True
        chain = _chain(value)
        if chain is None:
            return False
        root = chain[0].id
        return root in self.modules or root in self.objects or root in self.derived


class _Checker(ast.NodeVisitor):
    def __init__(self, nb: _Notebook, cell: _Cell):
        self.nb, self.cell = nb, cell
        self.found: list[tuple[int, str]] = []
        self.parents: dict[int, ast.AST] = {}
        self.scopes: list[str] = []          # "def" / "class" from the top down
        self.locals: list[set[str]] = []     # names local to each enclosing function scope
        self.globals: set[str] = set()       # names declared global in the current function

    def flag(self, node: ast.AST, reason: str) -> None:
        self.found.append((getattr(node, "lineno", 0), reason))

    def check(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
        self.visit(tree)

    # -- scopes -----------------------------------------------------------------
    def _at_top(self) -> bool:
        return not self.scopes

    def _binding(self, node: ast.AST, name: str, kind: str) -> None:
        nb = self.nb
        top = self._at_top() or name in self.globals
        if name in nb.modules and kind != "import":
            self.flag(node, f"rebinds the module name {name}")
        elif top and name in nb.protected and kind != "import":
            self.flag(node, f"redefines {name}, which the lab's locked cells define")
        elif top and name in SAFE_BUILTINS and kind != "import":
            self.flag(node, f"redefines the builtin {name}")

    def visit_FunctionDef(self, node) -> None:
        self._binding(node, node.name, "def")
        for dec in node.decorator_list:
            self.visit(dec)
        self.visit(node.args)
        if node.returns:
            self.visit(node.returns)
        saved = self.globals
        self.scopes.append("def")
        self.locals.append(_local_names(node))
        self.globals = set()
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()
        self.locals.pop()
        self.globals = saved

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self.scopes.append("def")
        self.locals.append(_local_names(node))
        self.visit(node.body)
        self.scopes.pop()
        self.locals.pop()

    def _comprehension(self, node) -> None:
        # Comprehension variables are local to it, as in a function.
        self.scopes.append("def")
        self.locals.append(_local_names(node))
        self.generic_visit(node)
        self.scopes.pop()
        self.locals.pop()

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension

    def visit_arg(self, node: ast.arg) -> None:
        if node.arg in self.nb.modules:
            self.flag(node, f"rebinds the module name {node.arg}")
        if node.annotation:
            self.visit(node.annotation)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            self.globals.add(name)
            if name in self.nb.modules or name in self.nb.protected or name in SAFE_BUILTINS:
                self.flag(node, f"declares {name} global")
            elif name not in self.nb.student_globals:
                # Not one of the student's own globals: the hidden tests' names are globals too.
                self.flag(node, f"declares {name} global, which no cell of the student defines")

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        pass        # the enclosing function's names: not globals

    # -- classes ---------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._binding(node, node.name, "class")
        for kw in node.keywords:
            self.flag(node, f"class {node.name} takes {kw.arg or '**'}=: a metaclass or class hook")
        for base in node.bases:
            reason = self._bad_base(base)
            if reason:
                self.flag(node, f"class {node.name} {reason}")
        for stmt in node.body:
            names = []
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [stmt.name]
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            for name in names:
                if DUNDER.match(name) and name not in SPECIAL_OK:
                    self.flag(stmt, f"class {node.name} defines {name}")
        for item in [*node.decorator_list, *node.bases]:
            self.visit(item)
        self.scopes.append("class")
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    def _bad_base(self, base: ast.AST) -> str | None:
        if isinstance(base, ast.Name):
            if base.id in self.nb.classes:
                return None
            if base.id in self.nb.objects:
                return self._bad_class(self.nb.objects[base.id], base.id)
            if base.id in SAFE_BUILTINS and base.id not in self.nb.bound:
                value = getattr(builtins, base.id)
                if value is object or (isinstance(value, type) and issubclass(value, BaseException)):
                    return None
                return f"subclasses the builtin {base.id}"
            return f"subclasses {base.id}, which the scan cannot check"
        chain = _chain(base)
        if chain and chain[0].id in self.nb.modules:
            value = _import(self.nb.modules[chain[0].id])
            for attr in chain[1]:
                value = _MISSING if value in (None, _MISSING) else _getattr(value, attr)
            return self._bad_class(value, ast.unparse(base))
        return f"subclasses {ast.unparse(base)}, which the scan cannot check"

    @staticmethod
    def _bad_class(value, written: str) -> str | None:
        if not isinstance(value, type):
            return f"subclasses {written}, which the scan cannot check"
        if issubclass(value, _lying_bases()):
            return f"subclasses {written} (a tensor, array, number, container or type)"
        return None

    # -- names -----------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> None:
        name, nb = node.id, self.nb
        if not isinstance(node.ctx, ast.Load):
            self._binding(node, name, "assign")
            return
        if id(node) in self.cell.allowed_magic_nodes:
            return
        parent = self.parents.get(id(node))
        if any(name in scope for scope in self.locals):
            return          # a local variable of the function it is in: not the kernel's
        if KERNEL_NAME.match(name):
            self.flag(node, f"uses the kernel's {name}")
        elif DUNDER.match(name) and name != "__name__":
            self.flag(node, f"uses {name}")
        elif name in DENIED_BUILTINS:
            self.flag(node, f"uses {name}")
        elif name in nb.modules:
            if not (isinstance(parent, ast.Attribute) and parent.value is node):
                self.flag(node, f"uses the module {name} as a value")
        elif name in {"getattr", "type"} and name not in nb.bound:
            if not (isinstance(parent, ast.Call) and parent.func is node):
                self.flag(node, f"uses {name} as a value")
        elif name not in nb.bound and name not in SAFE_BUILTINS:
            self.flag(node, f"uses {name}, which the notebook never defines (the kernel's?)")

    def visit_Import(self, node) -> None:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                self.flag(node, "relative import")
                return
            if not module_allowed(node.module or ""):
                self.flag(node, f"imports {node.module}, which is not on the allowed list")
                return
            if any(alias.name == "*" for alias in node.names):
                self.flag(node, "star import")
        else:
            bad = [a.name for a in node.names if not module_allowed(a.name)]
            if bad:
                self.flag(node, f"imports {', '.join(bad)}, which is not on the allowed list")
                return
        for name, path, value in _import_targets(node):
            parent, _, attr = path.rpartition(".")
            if value is None or value is _MISSING:
                continue    # fails when it runs
            if isinstance(value, types.ModuleType):
                reason = _module_step(parent, attr, value) if parent else None
                if reason is None and not module_allowed(value.__name__) \
                        and (path, value.__name__) not in REEXPORTS:
                    reason = f"imports {value.__name__}, which is not on the allowed list"
                if reason:
                    self.flag(node, reason)
                    continue
                if self.nb.modules.get(name, value.__name__) != value.__name__:
                    self.flag(node, f"rebinds the module name {name} to {value.__name__}")
            else:
                if attr.startswith("_") or attr in RISKY_ATTRS or attr in RISKY_MODULE_ATTRS \
                        or (parent in LIMITED_ATTRS and attr not in LIMITED_ATTRS[parent]):
                    self.flag(node, f"imports {path}")
                if name in self.nb.modules:
                    self.flag(node, f"rebinds the module name {name}")
            if (self._at_top() or name in self.globals) and name in self.nb.protected \
                    and self.nb.protected[name] != path:
                self.flag(node, f"redefines {name}, which the lab's locked cells define")

    visit_ImportFrom = visit_Import

    # -- attributes ----------------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        attr = node.attr
        if DUNDER.match(attr):
            base = node.value
            is_super = (isinstance(base, ast.Call) and isinstance(base.func, ast.Name)
                        and base.func.id == "super")
            if not (is_super and attr in SPECIAL_OK):
                self.flag(node, f"uses .{attr}")
        elif attr in RISKY_ATTRS:
            self.flag(node, f"uses .{attr}")
        if not isinstance(node.ctx, ast.Load):
            self._assigned_through(node)
        parent = self.parents.get(id(node))
        if not (isinstance(parent, ast.Attribute) and parent.value is node):
            self._check_chain(node)
        self.generic_visit(node)

    def _check_chain(self, node: ast.AST) -> None:
        """The outermost attribute chain rooted at a module or an imported object: resolve it."""
        chain = _chain(node)
        if chain is None:
            return
        root, attrs = chain
        if root.id in self.nb.modules:
            value, path = _import(self.nb.modules[root.id]), self.nb.modules[root.id]
        elif root.id in self.nb.objects:
            value, path = self.nb.objects[root.id], root.id
        else:
            return
        for attr in attrs:
            if DUNDER.match(attr):
                return      # flagged on its own
            if attr.startswith("_"):
                self.flag(node, f"uses the private {path}.{attr}")
                return
            module_name = value.__name__ if isinstance(value, types.ModuleType) else None
            if module_name in LIMITED_ATTRS and attr not in LIMITED_ATTRS[module_name]:
                self.flag(node, f"uses {path}.{attr}")
                return
            if attr in RISKY_MODULE_ATTRS:
                self.flag(node, f"uses {path}.{attr}")
                return
            nxt = _getattr(value, attr) if value is not None else _MISSING
            if nxt is _MISSING:
                return      # an AttributeError when it runs
            if isinstance(nxt, types.ModuleType):
                reason = _module_step(path, attr, nxt)
                if reason:
                    self.flag(node, reason)
                    return
                path = nxt.__name__
            else:
                path = f"{path}.{attr}"
            value = nxt

    def _assigned_through(self, target: ast.AST) -> None:
        base = _target_base(target)
        nb = self.nb
        if isinstance(base, ast.Name) and any(base.id in scope for scope in self.locals):
            return      # a local variable of the function it is in (its rebinding is checked)
        if isinstance(base, ast.Name):
            if base.id in nb.modules or base.id in nb.objects or base.id in nb.derived:
                # plt.rcParams[...] = ... is configuration, not a patch.
                if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute)
                        and target.value.attr == "rcParams"):
                    self.flag(target, f"assigns into {base.id}, which lives in a module")
            elif base.id in nb.protected or base.id in nb.locked_vars:
                self.flag(target, f"assigns into {base.id}, which the lab's locked cells define")
        else:
            self.flag(target, "assigns through an expression")

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            self._assigned_through(node)
        self.generic_visit(node)

    # -- calls -----------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name) and func.id not in self.nb.bound:
            if func.id in {"getattr", "hasattr"}:
                name = node.args[1] if len(node.args) >= 2 else None
                if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
                    if func.id == "getattr":
                        self.flag(node, "getattr with a computed name")
                elif DUNDER.match(name.value) and func.id == "getattr":
                    self.flag(node, f"getattr(..., {name.value!r})")
                elif func.id == "getattr" and node.args:
                    # getattr(torch, "sys") is torch.sys.
                    self._check_chain(ast.copy_location(
                        ast.Attribute(value=node.args[0], attr=name.value, ctx=ast.Load()), node))
            elif func.id == "type" and len(node.args) + len(node.keywords) > 1:
                self.flag(node, "type() with three arguments makes a class")
        if (isinstance(func, ast.Attribute) and func.attr in {"format", "format_map"}
                and isinstance(func.value, ast.Constant) and "__" in str(func.value.value)):
            self.flag(node, "a format string that reaches dunder attributes")
        self.generic_visit(node)


# --------------------------------------------------------------------------- entry points

def _is_trusted(cell) -> bool:
    """Cells the grader puts back from the release before grading: locked and test cells."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade_id")) and (meta.get("locked") or meta.get("grade")) \
        and not meta.get("solution")


def _is_test(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def _scan(cells: list[_Cell], limits: dict[str, str] | None = None) -> list[Finding]:
    nb = _Notebook(cells)
    findings: list[Finding] = []
    for cell in cells:
        if cell.trusted:
            continue
        found = list(cell.magics)
        for offset, tree in _trees(cell):
            checker = _Checker(nb, cell)
            checker.check(tree)
            found += [(offset or line, reason) for line, reason in checker.found]
            if limits:
                found += [(offset or line, reason) for line, reason in _off_limits_uses(tree, limits)]
        for line, reason in sorted(set(found)):
            text = cell.lines[line - 1] if 0 < line <= len(cell.lines) else ""
            findings.append(Finding(cell.index, line, reason, text))
    return findings


def off_limits(source_nb: nbformat.NotebookNode) -> dict[str, str]:
    """The helpers a lab grades the student for writing: ``{"genmod.metrics": why}``.

    Read from the lab's source or released notebook (the course's copy, never
    the submission): its metadata ``genmod.off_limits``. The evaluation lab grades an
    unbiased MMD² and a sliced Wasserstein distance, which ``genmod.metrics``
    ships for the other labs' quality tests, so there a call to it is held.
    """
    return dict(source_nb.get("metadata", {}).get("genmod", {}).get("off_limits", {}))


def _off_limits_uses(tree: ast.AST, limits: dict[str, str]) -> list[tuple[int, str]]:
    """(line, reason) of each import of an off-limits module and attribute read of its last name.

    Aliases of modules and computed attribute names are findings of their own
    (``_Checker``), so ``genmod.metrics``, ``from genmod import metrics`` and
    ``import genmod.metrics as m`` are the ways left to reach it.
    """
    found = []
    for node in ast.walk(tree):
        hits = []
        if isinstance(node, ast.Import):
            hits = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            hits = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Attribute):
            hits = [f"*.{node.attr}"]
        for module, why in limits.items():
            last = module.rsplit(".", 1)[-1]
            if any(h == module or h.startswith(module + ".") or h == f"*.{last}" for h in hits):
                found.append((getattr(node, "lineno", 1), f"uses {module}, which {why}"))
    return found


def scan_notebook(nb: nbformat.NotebookNode, limits: dict[str, str] | None = None) -> list[Finding]:
    """Every finding in the code cells a student could have written, in order.

    Pass the notebook the kernel will run (after ``canonicalise``): its locked
    and test cells are trusted and only tell which names the notebook defines.
    ``limits`` (``off_limits`` of the lab's source) names helpers this lab's
    answers may not call.
    """
    cells = [_parse(i, c.source, _is_trusted(c), _is_trusted(c) and not _is_test(c))
             for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    return _scan(cells, limits)


def scan_source(source: str, context: str = "") -> list[tuple[int, str, str]]:
    """Findings ``(line, reason, code)`` in one cell, after trusted ``context`` code (a set-up cell)."""
    cells = [_parse(0, context, True, True)] if context else []
    cells.append(_parse(1, source, False))
    return [(f.line, f.reason, f.code) for f in _scan(cells)]
