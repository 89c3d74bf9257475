"""Static scan of a submission for code that could fool the hidden tests.

The sandbox keeps a submission away from the solutions, the gradebook and the
network, but not away from its own kernel, where the hidden tests run: a line
such as ``np.allclose = lambda *a, **k: True``, an IPython input transformer
that blanks the test cells, or a swapped ``sys.modules['torch']`` would turn
failing tests into passing ones. No lab needs any of that, so the grader reads
every code cell (in the trusted process, before grading) and holds a submission
that does any of it for review instead of giving it points.

The rules target the ways Python reaches into other modules' state:

* assignment or deletion of an attribute of an imported module, or of
  something reached through one (``torch.Tensor.__eq__ = ...``);
* a module object used as a value (``m = torch``; ``[np][0]``) — after that,
  the previous rule could not see through the alias;
* the escape hatches that make names dynamic: ``exec``, ``eval``,
  ``compile``, ``__import__``, ``setattr``/``delattr``, ``getattr`` with a
  computed name, ``globals``/``vars``/``locals``, and the dunder attributes
  that reach code, closures, namespaces and builtins;
* modules for introspection, raw memory, processes and databases
  (``importlib``, ``inspect``, ``gc``, ``ctypes``, ``sqlite3``, ``subprocess``,
  ``builtins`` ...), ``sys.modules``/``sys.path`` and ``os._exit``-like calls;
* IPython internals (``get_ipython``) and shell escapes or magics other than a
  few harmless ones, read after IPython's own input transformation so that
  ``%`` and ``!`` lines are seen as the calls they become.

A rule may flag honest code (a student who writes ``setattr``); the result is a
review, not a penalty, and the instructor sees the line.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import nbformat

FORBIDDEN_MODULES = {
    "builtins", "importlib", "inspect", "gc", "ctypes", "sqlite3", "subprocess", "socket",
    "pickle", "marshal", "dill", "cloudpickle", "types", "code", "codeop", "runpy", "imp",
    "pty", "signal", "multiprocessing", "threading", "_thread", "shutil", "tempfile",
    "IPython", "ipykernel", "traitlets", "nbgrader", "grader", "base64", "codecs", "zlib",
    "unittest", "pytest", "sys",
}
FORBIDDEN_CALLS = {"exec", "eval", "compile", "__import__", "setattr", "delattr", "globals",
                   "vars", "locals", "get_ipython", "breakpoint", "open_code"}
FORBIDDEN_ATTRS = {
    "__code__", "__closure__", "__globals__", "__builtins__", "__dict__", "__class__",
    "__subclasses__", "__bases__", "__mro__", "__getattribute__", "__setattr__", "__delattr__",
    "__import__", "__loader__", "__spec__", "__func__", "__self__", "__wrapped__",
    "f_globals", "f_locals", "f_back", "f_builtins", "gi_frame", "cr_frame", "tb_frame",
    "cell_contents", "modules", "meta_path", "path_hooks", "input_transformers_cleanup",
    "input_transformers_post", "ast_transformers", "user_ns", "showtraceback", "run_cell",
}
OS_FORBIDDEN = {"_exit", "system", "popen", "fork", "forkpty", "kill", "killpg", "execv", "execve",
                "execl", "execle", "execlp", "execvp", "execvpe", "spawnl", "spawnv", "posix_spawn",
                "putenv", "unsetenv", "chdir", "remove", "unlink", "rmdir", "rename", "replace"}
HARMLESS_MAGICS = {"matplotlib", "time", "timeit", "config", "pprint", "precision"}


@dataclass(frozen=True)
class Finding:
    cell: int        # index of the code cell in the notebook
    line: int        # line in that cell (after IPython's transformation of magics)
    reason: str
    code: str        # the offending line, for the reviewer

    def __str__(self) -> str:
        return f"cell {self.cell}, line {self.line}: {self.reason}: {self.code.strip()[:80]}"


def _root(node: ast.AST) -> ast.AST:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


class _Scanner(ast.NodeVisitor):
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.found: list[tuple[int, str]] = []
        self.modules: set[str] = set()          # names bound by any import
        self.plain: set[str] = set()            # names bound by `import X`: certainly modules
        self._attribute_bases: set[int] = set()  # ids of Name nodes that are the base of an attribute

    def flag(self, node: ast.AST, reason: str) -> None:
        self.found.append((getattr(node, "lineno", 0), reason))

    # -- imports ------------------------------------------------------------
    def _check_module(self, node: ast.AST, name: str) -> None:
        top = name.split(".")[0]
        if top in FORBIDDEN_MODULES:
            self.flag(node, f"imports {name}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._check_module(node, alias.name)
            self.modules.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._check_module(node, node.module or "")
        for alias in node.names:
            self._check_module(node, f"{node.module}.{alias.name}")
            if alias.name == "*":
                self.flag(node, "star import")
            # `from torch import testing` binds a module, or a function whose
            # attributes are as good a target.
            self.modules.add(alias.asname or alias.name)

    # -- assignments into other modules --------------------------------------
    def _check_target(self, target: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_target(elt, verb)
        elif isinstance(target, ast.Starred):
            self._check_target(target.value, verb)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            root = _root(target)
            if not isinstance(root, ast.Name):
                self.flag(target, f"{verb} through an expression")
            elif root.id in self.modules:
                self.flag(target, f"{verb} inside module {root.id}")
        elif isinstance(target, ast.Name) and target.id in {"__builtins__", "get_ipython"}:
            self.flag(target, f"rebinds {target.id}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._check_target(t, "assigns")
        self._check_alias(node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, "assigns")
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for t in node.targets:
            self._check_target(t, "deletes")
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        for name in node.names:
            if name in self.modules:
                self.flag(node, f"declares module {name} global")

    # -- dynamic access -------------------------------------------------------
    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in FORBIDDEN_ATTRS:
            self.flag(node, f"uses .{node.attr}")
        base = node.value
        if isinstance(base, ast.Name):
            self._attribute_bases.add(id(base))
            if base.id == "os" and node.attr in OS_FORBIDDEN:
                self.flag(node, f"uses os.{node.attr}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id in FORBIDDEN_CALLS:
                self.flag(node, f"calls {func.id}()")
            if func.id == "getattr" and len(node.args) >= 2 and not isinstance(node.args[1], ast.Constant):
                self.flag(node, "getattr with a computed name")
            if func.id == "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) \
                    and str(node.args[1].value) in FORBIDDEN_ATTRS:
                self.flag(node, f"getattr(..., {node.args[1].value!r})")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in {"__builtins__", "__loader__", "__spec__"}:
            self.flag(node, f"uses {node.id}")
        elif (isinstance(node.ctx, ast.Load) and node.id in self.plain
              and id(node) not in self._attribute_bases and id(node) not in self._call_funcs):
            self.flag(node, f"uses module {node.id} as a value")

    def _check_alias(self, value: ast.AST) -> None:
        # `t = testing`, `[testing]`: an imported name copied somewhere the
        # assignment rule cannot follow. Calling it or passing it on is fine.
        values = value.elts if isinstance(value, (ast.Tuple, ast.List, ast.Set)) else [value]
        for v in values:
            if isinstance(v, ast.Name) and v.id in self.modules - self.plain:
                self.flag(v, f"aliases imported name {v.id}")

    def visit_List(self, node: ast.List) -> None:
        self._check_alias(node)
        self.generic_visit(node)

    visit_Tuple = visit_Set = visit_List

    def visit_Dict(self, node: ast.Dict) -> None:
        for v in node.values:
            self._check_alias(v)
        self.generic_visit(node)

    def scan(self, tree: ast.AST) -> None:
        # Attribute bases and called names must be known before their Name nodes are visited.
        self._call_funcs: set[int] = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
                self._attribute_bases.add(id(n.value))
            elif isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
                self._call_funcs.add(id(n.func))
        # Imports anywhere in the cell bind module names for the whole cell.
        for n in ast.walk(tree):
            if isinstance(n, ast.Import):
                names = {(a.asname or a.name).split(".")[0] for a in n.names}
                self.modules.update(names)
                self.plain.update(names)
            elif isinstance(n, ast.ImportFrom):
                self.modules.update(a.asname or a.name for a in n.names)
        self.visit(tree)


def _transform(source: str) -> str:
    """IPython's own translation of magics and shell escapes into Python calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _magic_calls(tree: ast.AST):
    """(node, kind, name, args) of the get_ipython().run_*magic / system calls IPython produced."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id == "get_ipython"):
            yield node, node.func.attr, node.args


def scan_source(source: str, modules: tuple[set[str], set[str]] | None = None
                ) -> list[tuple[int, str, str]]:
    """Findings ``(line, reason, code)`` in one cell.

    ``modules`` = (imported names, names bound by plain ``import``) carries the
    imports of earlier cells into this one.
    """
    modules = (set(), set()) if modules is None else modules
    try:
        code = _transform(source)
        tree = ast.parse(code)
    except SyntaxError:
        return []          # a cell that does not parse cannot run either
    lines = code.splitlines()
    out: list[tuple[int, str, str]] = []
    for node, kind, args in _magic_calls(tree):
        name = args[0].value if args and isinstance(args[0], ast.Constant) else None
        if kind in {"run_line_magic", "run_cell_magic"} and name in HARMLESS_MAGICS:
            # The code that %time/%%timeit run is a string argument: scan it too.
            for arg in args[1:]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip():
                    for line, reason, text in scan_source(arg.value, modules):
                        out.append((node.lineno, reason, text))
            continue
        out.append((node.lineno, f"IPython {kind} {name or ''}".strip(), lines[node.lineno - 1]))
    scanner = _Scanner(lines)
    scanner.modules, scanner.plain = modules
    scanner.scan(tree)
    for line, reason in scanner.found:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        # get_ipython() calls made by harmless magics were judged above.
        if reason == "calls get_ipython()" and any(
                n.lineno == line for n, *_ in _magic_calls(tree)):
            continue
        out.append((line, reason, text))
    return out


def scan_notebook(nb: nbformat.NotebookNode) -> list[Finding]:
    """Every finding in the notebook's code cells, in order."""
    findings: list[Finding] = []
    modules: tuple[set[str], set[str]] = (set(), set())
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for line, reason, code in scan_source(cell.source, modules):
            findings.append(Finding(index, line, reason, code))
    return findings
