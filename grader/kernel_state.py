"""Code that runs inside the grading kernel: a snapshot of its state at start, and a reset to it.

This file is never imported by the grader; ``grader.execute`` sends its source
to the kernel (whose sandbox hides the repository) and executes it there with
fresh globals, before any cell of the notebook runs. It records what a
submission would have to change to fool a test cell that follows it:

* the IPython shell's hooks: ``ast_node_interactivity``, the custom exception
  handler, event callbacks (``pre_run_cell``, ``post_run_cell`` ...), input and
  AST transformers, and the methods that run cells and show tracebacks;
* ``sys.displayhook``/``sys.excepthook``, trace and profile functions, and the
  ``sys.modules`` entries of the modules below;
* the functions and classes of ``builtins``, ``math``, ``numpy``, ``torch``
  (with ``torch.Tensor``, ``torch.nn.Module``, ``torch.testing``,
  ``torch.nn.functional``) and of every ``genmod`` module: the names a test
  cell calls.

``mark()`` and ``note()``, called around each locked and test cell, record the
names that trusted cell bound (``torch``, ``sliced_wasserstein``, the trained
``model``) and their values. ``reset()`` puts all of that back; ``grader.execute.ResilientExecute`` calls it
before every test cell. It runs in the student's own process, so it is a
second layer behind the static scan (``grader.tamper``), not a guarantee.

The notebook's folder is also taken off ``sys.path``: a module a submission
writes there cannot be imported.
"""

import builtins
import importlib
import os
import pkgutil
import sys
import types

STATE_MODULE = "_genmod_grading_state"

# Instance or class attributes of the shell whose replacement changes how a cell runs or fails.
SHELL_METHODS = (
    "run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code", "transform_cell",
    "transform_ast", "showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror",
    "set_custom_exc", "should_run_async", "ex", "ev", "system", "user_expressions",
    "_get_exc_info", "get_exception_only", "excepthook", "displayhook", "display_pub",
    "display_formatter", "InteractiveTB", "SyntaxTB", "input_transformer_manager", "compile",
    "events", "builtin_trap", "display_trap",
)
SHELL_TRAITS = ("ast_node_interactivity", "autocall", "automagic")
MODULES = ("builtins", "math", "numpy", "numpy.testing", "torch", "torch.testing",
           "torch.nn.functional", "torch.linalg")
CLASSES = (("torch", "Tensor"), ("torch.nn", "Module"), ("torch.nn", "Parameter"))


def _callables(namespace):
    return {k: v for k, v in namespace.items()
            if callable(v) and not isinstance(v, types.ModuleType)}


def snapshot():
    from IPython import get_ipython

    shell = get_ipython()
    here = os.path.realpath(os.getcwd())
    sys.path[:] = [p for p in sys.path if p and os.path.realpath(p) != here]
    modules = {}
    for name in MODULES:
        try:
            modules[name] = importlib.import_module(name)
        except Exception:
            pass
    try:
        import genmod

        modules["genmod"] = genmod
        for info in pkgutil.iter_modules(genmod.__path__):
            if not info.name.startswith("_"):
                try:
                    modules[f"genmod.{info.name}"] = importlib.import_module(f"genmod.{info.name}")
                except Exception:
                    pass
    except Exception:
        pass
    classes = {}
    for mod, name in CLASSES:
        try:
            classes[f"{mod}.{name}"] = getattr(importlib.import_module(mod), name)
        except Exception:
            pass
    state = types.ModuleType(STATE_MODULE)
    state.shell = shell
    state.instance = {k: vars(shell)[k] for k in SHELL_METHODS
                      if k in vars(shell) and not shell.has_trait(k)}
    state.klass = [(cls, k, cls.__dict__[k]) for cls in type(shell).__mro__
                   for k in SHELL_METHODS if k in cls.__dict__ and not shell.has_trait(k)]
    state.traits = {k: getattr(shell, k) for k in SHELL_METHODS + SHELL_TRAITS if shell.has_trait(k)}
    state.events = shell.events
    state.callbacks = {k: list(v) for k, v in shell.events.callbacks.items()}
    state.itm = shell.input_transformer_manager
    state.lists = [(lst, list(lst)) for lst in (
        shell.input_transformer_manager.cleanup_transforms,
        shell.input_transformer_manager.line_transforms,
        shell.input_transformer_manager.token_transformers,
        shell.input_transformers_post, shell.ast_transformers)]
    state.sys_hooks = {k: getattr(sys, k) for k in ("displayhook", "excepthook", "stdout", "stderr")}
    state.modules = modules
    state.module_dicts = {name: _callables(vars(m)) for name, m in modules.items()}
    state.classes = {name: (cls, dict(cls.__dict__)) for name, cls in classes.items()}
    state.path = list(sys.path)
    state.names = {}
    state.before = {}
    state.reset, state.mark, state.note = reset, mark, note
    sys.modules[STATE_MODULE] = state
    return f"grading baseline: {len(modules)} modules, {len(classes)} classes"


def mark():
    """Before a locked or test cell: what the notebook's names hold now."""
    state = sys.modules[STATE_MODULE]
    state.before = {k: v for k, v in state.shell.user_ns.items() if not k.startswith("_")}
    return ""


def note():
    """After a locked or test cell: the names it bound, and to what.

    A test cell reads the trained ``model``, ``torch`` or ``sliced_wasserstein``
    from the notebook's namespace; ``reset`` puts each name a trusted cell bound
    back to what that cell left in it, so a name the student's code rebinds in
    between (to a proxy, a fake model, a function returning 0) reads the
    original again when the test runs.
    """
    state = sys.modules[STATE_MODULE]
    before, ns = state.before, state.shell.user_ns
    changed = []
    for k, v in list(ns.items()):
        if not k.startswith("_") and before.get(k, _UNSET) is not v:
            state.names[k] = v
            changed.append(k)
    for k in [k for k in before if k not in ns and k in state.names]:
        del state.names[k]
    state.before = {}
    return ", ".join(changed)


_UNSET = object()


def reset():
    state = sys.modules[STATE_MODULE]
    shell = state.shell
    changed = []
    sys.settrace(None)
    sys.setprofile(None)
    for k, v in state.sys_hooks.items():
        if getattr(sys, k) is not v:
            setattr(sys, k, v)
            changed.append(f"sys.{k}")
    inst = vars(shell)
    for k in SHELL_METHODS:
        if shell.has_trait(k):
            continue
        if k in state.instance:
            if inst.get(k) is not state.instance[k]:
                inst[k] = state.instance[k]
                changed.append(f"shell.{k}")
        elif k in inst:
            del inst[k]
            changed.append(f"shell.{k}")
    for cls, k, v in state.klass:
        if cls.__dict__.get(k) is not v:
            setattr(cls, k, v)
            changed.append(f"{cls.__name__}.{k}")
    for k, v in state.traits.items():
        now = getattr(shell, k)
        if now is not v and now != v:
            setattr(shell, k, v)
            changed.append(k)
    if shell.custom_exceptions:
        shell.custom_exceptions = ()
        changed.append("custom_exceptions")
    if shell.events is not state.events:
        shell.events = state.events
    callbacks = state.events.callbacks
    for k in list(callbacks):
        base = state.callbacks.get(k, [])
        if callbacks[k] != base:
            callbacks[k][:] = base
            changed.append(f"{k} callbacks")
    if shell.input_transformer_manager is not state.itm:
        shell.input_transformer_manager = state.itm
    for lst, base in state.lists:
        if lst != base:
            lst[:] = base
            changed.append("transformers")
    for name, m in state.modules.items():
        if sys.modules.get(name) is not m:
            sys.modules[name] = m
            changed.append(f"sys.modules[{name!r}]")
        namespace = vars(m)
        for k, v in state.module_dicts[name].items():
            if namespace.get(k) is not v:
                namespace[k] = v
                changed.append(f"{name}.{k}")
    for name, (cls, base) in state.classes.items():
        now = cls.__dict__
        for k in [k for k in now if k not in base]:
            delattr(cls, k)
            changed.append(f"{name}.{k}")
        for k, v in base.items():
            if now.get(k) is not v and k not in ("__dict__", "__weakref__", "__doc__"):
                try:
                    setattr(cls, k, v)
                    changed.append(f"{name}.{k}")
                except (AttributeError, TypeError):
                    pass
    namespace = state.shell.user_ns
    for k, v in state.names.items():
        if namespace.get(k) is not v:
            namespace[k] = v
            changed.append(f"the name {k}")
    if sys.path != state.path:
        sys.path[:] = state.path
        changed.append("sys.path")
    return ", ".join(sorted(set(changed)))
