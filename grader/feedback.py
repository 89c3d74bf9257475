"""Feedback for students: one HTML page per graded submission, built from the grader's own record.

nbgrader's ``generate_feedback`` renders the executed notebook, which holds
every hidden test (nbgrader restores the test cells from the gradebook before
grading, issues #917, #1363), and every output of the student's code, which
runs in the same kernel as those tests and can print whatever it reads. So a
page here is never a rendering of the executed notebook. It is assembled from
what the grader trusts:

* the released notebook (instructions, set-up code, the *visible* tests), which
  never held a hidden test;
* the student's own code, from the submission as it was laid out for grading;
* the gradebook's score of each test (by grade id);
* for a failed test, one line: the exception's name and the last line of its
  message, truncated, and withheld when it could be carrying the test's code
  (:func:`error_line`). Nothing else of the executed notebook is read: no
  output of any cell, no traceback, no source.

A written page is checked against the lab's hidden lines before it is kept;
one that shows any (it should not be possible) is deleted and reported.
Pages load MathJax from a copy next to them (``mathjax/``, the book's vendored
MathJax 3.2.2), so they render offline. ``--show-hidden`` gives the instructor
nbgrader's own page, hidden tests and tracebacks included: never hand it out.
"""

from __future__ import annotations

import ast
import base64
import builtins
import html
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import REPO, GraderError, check_lab, source_notebook
from grader.notebooks import grade_id, is_solution_cell, is_test_cell, nbgrader_meta, read_notebook

# nbgrader's ClearHiddenTests finds its delimiters as substrings of a line; so do we.
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
HIDDEN_NOTE = "# ... hidden tests (graded, not shown) ..."
# Every test on a page carries this class; the page check relies on it.
VERDICT_CLASS = "grader-verdict"
MATHJAX = REPO / "_vendor" / "mathjax"
MAX_MESSAGE = 160        # characters of an error message shown
# A run of this many characters of the base64 (or url-safe base64) alphabet is encoded data,
# not prose, when it mixes capitals and digits, or is all hex; a long identifier is neither.
TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{24,}")


def encoded_tokens(text: str) -> list[str]:
    return [t for t in TOKEN.findall(text)
            if re.fullmatch(r"[0-9a-fA-F]+", t) or (re.search(r"[A-Z]", t) and re.search(r"[0-9]", t))]
WINDOW = 16              # a message sharing this many characters with a hidden line quotes it


def split_hidden(source: str) -> tuple[str, list[str]]:
    """``source`` with each hidden region replaced by :data:`HIDDEN_NOTE`, and the hidden lines.

    A region whose end marker is missing runs to the end of the cell: when in
    doubt, hide.
    """
    shown, hidden, inside = [], [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            if not inside:
                indent = line[: len(line) - len(line.lstrip())]
                shown.append(indent + HIDDEN_NOTE)
            inside = True
        elif HIDDEN_END in line and inside:
            inside = False
        elif inside:
            hidden.append(line)
        else:
            shown.append(line)
    return "\n".join(shown), hidden


# --- What a test's failure may say ---------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class GradedTest:
    """What the source notebook says about one test cell."""
    grade_id: str
    points: float
    functions: list[str]                 # what it grades, for the summary
    messages: set[str]                   # its assert messages, as written
    templates: list[re.Pattern]          # its f-string messages, values as wildcards
    has_hidden: bool


def _messages(source: str) -> tuple[set[str], list[re.Pattern]]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), []
    literals, templates = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            literals.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(re.escape(str(v.value)))
                else:
                    parts.append(r"([^\n]{0,40}?)")   # a formatted value: a number, a short list
            templates.append(re.compile("".join(parts)))
    return literals, templates


def _names(source: str) -> set[str]:
    try:
        return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def _defined(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def describe_tests(released_nb, graded_sources: dict[str, str]) -> dict[str, GradedTest]:
    """Per test cell of the release, in order: points, the functions it grades and its messages.

    ``graded_sources`` are the test cells as the gradebook holds them (hidden
    tests included), which are the tests that were run, even if ``solutions/``
    changed since.
    """
    solution_defs: dict[str, list[str]] = {}      # solution cell -> the functions it defines
    info = {}
    for cell in released_nb.cells:
        if cell.cell_type != "code":
            continue
        gid = grade_id(cell)
        if is_solution_cell(cell):
            solution_defs[gid] = _defined(cell.source)
        if is_test_cell(cell):
            source = graded_sources.get(gid, cell.source)
            used = _names(source)
            # The nearest solution cell above whose functions the test calls: a test may
            # also call earlier functions to build its expected values.
            graded = next(([f for f in defs if f in used] for defs in reversed(solution_defs.values())
                           if any(f in used for f in defs)), [])
            if not graded:
                # A test of results computed above (a trained model's samples): the last function.
                graded = [f for defs in solution_defs.values() for f in defs][-1:]
            literals, templates = _messages(source)
            info[gid] = GradedTest(gid, float(nbgrader_meta(cell).get("points") or 0), graded, literals,
                                 templates, bool(split_hidden(source)[1]))
    return info


def graded_sources(workdir: Path, lab: str) -> dict[str, str]:
    """The source of every locked cell as the gradebook recorded it when the lab was released."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{Path(workdir) / 'gradebook.db'}") as gb:
        return {c.name: c.source for nb in gb.find_assignment(lab).notebooks for c in nb.source_cells}


def hidden_text(sources) -> list[str]:
    """Every hidden line of these sources, stripped."""
    return [ln.strip() for src in sources for ln in split_hidden(src)[1] if ln.strip()]


def _quotes(message: str, hidden: list[str]) -> bool:
    """Whether ``message`` carries a hidden line: forwards, reversed, or base64/hex decoded."""
    haystack = "\n".join(_squash(h) for h in hidden)
    candidates = [_squash(message), _squash(message[::-1])]
    for token in encoded_tokens(message):
        for decode in (base64.b64decode, base64.urlsafe_b64decode, bytes.fromhex):
            try:
                raw = decode(token + "=" * (-len(token) % 4)) if decode is not bytes.fromhex else decode(token)
                candidates.append(_squash(raw.decode("utf-8", "replace")))
            except ValueError:
                pass
    for text in candidates:
        for i in range(0, max(1, len(text) - WINDOW + 1)):
            chunk = text[i:i + WINDOW]
            if len(chunk) == WINDOW and chunk in haystack:
                return True
    return False


_BUILTIN_ERRORS = {name for name, obj in vars(builtins).items()
                   if isinstance(obj, type) and issubclass(obj, BaseException)}


def error_line(ename: str, evalue: str, test: GradedTest | None, hidden: list[str]) -> str:
    """The one line a student sees for a failed test.

    The exception's name, if it is a built-in one (a class the student defined
    could be named with anything), and the last line of its message, at most
    MAX_MESSAGE characters. The message is shown when it is one the test itself
    writes (an assert's literal message, or its f-string with numbers filled in);
    any other message (raised by the student's code) is shown unless it could be
    carrying the tests' code: a run of WINDOW characters shared with a hidden
    line, forwards or reversed, or encoded data (base64, hex).
    """
    name = ename if ename in _BUILTIN_ERRORS or ename == "DeadKernelError" else "an exception of your code's own class"
    lines = [ln.strip() for ln in (evalue or "").splitlines() if ln.strip()]
    message = lines[-1] if lines else ""
    if not message:
        return name
    literal = test is not None and message in test.messages
    # An f-string message of the test: its text is the test's, its values must carry nothing.
    filled = [m for t in (test.templates if test else []) if (m := t.fullmatch(message))]
    template = any(all(not encoded_tokens(v) and not _quotes(v, hidden) for v in m.groups())
                   for m in filled)
    if literal or template:
        pass
    elif encoded_tokens(message) or _quotes(message, hidden):
        return f"{name} (its message is not shown: it could be quoting the test's code)"
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE - 1] + "…"
    return f"{name}: {message}"


def failure_lines(graded_nb, tests: dict[str, GradedTest], hidden: list[str]) -> dict[str, str]:
    """The one-line error of every test cell that raised, by grade id, from the executed notebook."""
    out = {}
    for cell in graded_nb.cells:
        gid = grade_id(cell)
        if cell.get("cell_type") != "code" or gid not in tests:
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors:
            e = errors[-1]
            out[gid] = error_line(str(e.get("ename", "")), str(e.get("evalue", "")), tests[gid], hidden)
    return out


# --- The page -------------------------------------------------------------------------------

def _code(source: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source or " ", PythonLexer(), HtmlFormatter(cssclass="highlight"))


def _markdown(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


def _verdict(score: float, points: float) -> tuple[str, str]:
    if score >= points:
        return "passed", "pass"
    return ("partial credit", "partial") if score > 0 else ("failed", "fail")


def _mathjax_macros() -> dict:
    try:
        import yaml

        config = yaml.safe_load((REPO / "_config.yml").read_text())
        return config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    except Exception:   # the page renders without the book's macros, only less nicely
        return {}


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #222; }
table.summary { border-collapse: collapse; margin: 1rem 0; }
table.summary td, table.summary th { border-bottom: 1px solid #ddd; padding: 0.3rem 0.8rem; text-align: left; }
.pass { color: #1a7f37; } .fail { color: #c62828; } .partial { color: #9a6700; }
.cell { margin: 1rem 0; }
.label { font-size: 0.85em; color: #555; margin-bottom: 0.2rem; }
.highlight pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; margin: 0; }
.yours .highlight pre { background: #eef4ff; }
.grader-verdict { padding: 0.4rem 0.8rem; border-radius: 4px; margin-top: 0.3rem; }
.grader-verdict.pass { background: #e6f4ea; } .grader-verdict.fail { background: #fdecea; }
.grader-verdict.partial { background: #fff4e0; }
.note { white-space: pre-wrap; background: #fafafa; border-left: 3px solid #ccc; padding: 0.4rem; }
"""


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.1f} days"


def render_page(lab: str, student: str, result, submitted_nb, released_nb,
                tests: dict[str, GradedTest], errors: dict[str, str]) -> str:
    """The feedback page, from the submission as graded, the release, the scores and the error lines."""
    from pygments.formatters import HtmlFormatter

    release_plain = {(c.get("id"), c.cell_type, c.source) for c in released_nb.cells if not grade_id(c)}
    release_cells = {grade_id(c): c for c in released_nb.cells if grade_id(c)}
    esc = html.escape
    body = []
    rows = []
    for gid, t in tests.items():
        score, points = result.tests.get(gid, (0.0, t.points))
        word, cls = _verdict(score, points)
        rows.append(f'<tr><td><a href="#{esc(gid)}">{esc(gid)}</a></td>'
                    f'<td>{esc(", ".join(t.functions) or "-")}</td>'
                    f'<td class="{cls}">{esc(word)}</td><td>{score:g} / {points:g}</td></tr>')
    for cell in submitted_nb.cells:
        gid = grade_id(cell)
        if cell.cell_type == "markdown":
            if gid in release_cells and release_cells[gid].cell_type == "markdown":
                body.append(f'<div class="cell markdown">{_markdown(release_cells[gid].source)}</div>')
            elif (cell.get("id"), cell.cell_type, cell.source) in release_plain:
                body.append(f'<div class="cell markdown">{_markdown(cell.source)}</div>')
            else:
                body.append(f'<div class="cell"><div class="label">your note</div>'
                            f'<div class="note">{esc(cell.source)}</div></div>')
        elif cell.cell_type != "code":
            continue
        elif gid in tests:
            t = tests[gid]
            visible = release_cells[gid].source if gid in release_cells else ""
            shown = visible + (f"\n{HIDDEN_NOTE}" if t.has_hidden else "")
            score, points = result.tests.get(gid, (0.0, t.points))
            word, cls = _verdict(score, points)
            what = f" (grades {', '.join(t.functions)})" if t.functions else ""
            line = f'<div><code>{esc(errors[gid])}</code></div>' if gid in errors and score < points else ""
            body.append(f'<div class="cell test" id="{esc(gid)}"><div class="label">test '
                        f'<b>{esc(gid)}</b>{esc(what)}</div>{_code(shown)}'
                        f'<div class="{VERDICT_CLASS} {cls}"><b>Test {esc(word)}</b>: '
                        f'{score:g} of {points:g} points{line}</div></div>')
        elif gid in release_cells and is_solution_cell(release_cells[gid]):
            body.append(f'<div class="cell yours"><div class="label">your code '
                        f'(<b>{esc(gid)}</b>)</div>{_code(cell.source)}</div>')
        elif gid in release_cells:
            body.append(f'<div class="cell"><div class="label">given code ({esc(gid)})</div>'
                        f'{_code(release_cells[gid].source)}</div>')
        else:
            body.append(f'<div class="cell yours"><div class="label">your code (a cell you added)</div>'
                        f'{_code(cell.source)}</div>')
    detail = f"<p>{esc(result.detail)}</p>" if result.detail else ""
    if result.late_penalty and result.raw_score is not None:
        detail += (f'<p class="late">The tests gave {result.raw_score:g} points; the late penalty '
                   f'takes off {result.late_penalty:g}, for a submission {esc(_hours(result.late_seconds))} '
                   f'after the due date.</p>')
    config = {"tex": {"inlineMath": [["$", "$"], ["\\(", "\\)"]], "processEscapes": True,
                      "macros": _mathjax_macros()}}
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(lab)}: feedback for {esc(student)}</title>
<style>{STYLE}{HtmlFormatter(cssclass="highlight").get_style_defs(".highlight")}</style>
<script>window.MathJax = {json.dumps(config)};</script>
<script src="mathjax/tex-chtml-full.js" defer></script>
</head><body>
<h1>{esc(lab)}: feedback for {esc(student)}</h1>
<p><b>Score: {result.score:g} of {result.max_score:g} points.</b></p>{detail}
<table class="summary"><tr><th>test</th><th>grades</th><th>verdict</th><th>points</th></tr>
{"".join(rows)}</table>
<p>Each test below shows its visible part; its hidden part was run too and is not shown.
A failed test shows the error it raised, in one line. Outputs of the cells are not shown:
run your notebook to see them.</p>
{"".join(body)}
</body></html>
"""


def _leaks(page: Path, hidden: list[str]) -> str:
    """Why a page must not go to a student, or ''."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(errors="replace")))
    if HIDDEN_BEGIN in text or HIDDEN_END in text:
        return "the page shows a hidden-test delimiter"
    squashed = _squash(text)
    shown = [h for h in hidden if len(h) >= 12 and _squash(h) in squashed]
    if shown:
        return f"the page shows {len(shown)} hidden line(s)"
    if VERDICT_CLASS not in page.read_text(errors="replace"):
        return "the page has no verdicts"
    return ""


def _link_or_copy_tree(src: Path, dest: Path) -> None:
    """MathJax next to a page: hard links where the filesystem allows, copies elsewhere."""
    for path in src.rglob("*"):
        target = dest / path.relative_to(src)
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)


# --- The command ----------------------------------------------------------------------------

@dataclass
class FeedbackRun:
    lab: str
    written: dict[str, Path] = field(default_factory=dict)     # student -> feedback page
    problems: dict[str, str] = field(default_factory=dict)     # student -> why there is none


def feedback_page(workdir: Path, student: str, lab: str) -> Path:
    return Path(workdir) / "feedback" / student / lab / f"{lab}.html"


def _autograded(workdir: Path, student: str, lab: str) -> Path:
    return Path(workdir) / "autograded" / student / lab / f"{lab}.ipynb"


def known_students(workdir: Path, lab: str) -> list[str]:
    """Everyone the work folder has seen for ``lab``: in the batch record (rejected ones
    included), submitted, autograded or in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    from grader.nbgrader_run import read_batch

    workdir = Path(workdir)
    found = {p.parent.name for stage in ("submitted", "autograded")
             for p in workdir.glob(f"{stage}/*/{lab}") if p.is_dir()}
    found |= set(read_batch(workdir).get(lab, {}))
    with Gradebook(f"sqlite:///{workdir / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                gb.find_submission(lab, student.id)
            except MissingEntry:
                continue
            found.add(student.id)
    return sorted(found)


def generate_feedback(lab: str, workdir: Path, show_hidden: bool = False) -> FeedbackRun:
    """Write ``<workdir>/feedback/<student>/<lab>/<lab>.html`` for every graded student.

    Every student of the work folder is in the result: with a page, or in
    ``problems`` with the reason there is none (rejected, crashed, held for
    review, no graded notebook).
    """
    from grader.nbgrader_run import current_results, last_error_line, run_nbgrader

    check_lab(lab)
    workdir = Path(workdir).resolve()
    if not (workdir / "gradebook.db").is_file():
        raise GraderError(f"{workdir}: no gradebook here; run `python -m grader autograde {lab} ...` first")
    students = known_students(workdir, lab)
    if not students:
        raise GraderError(f"{workdir}: no submissions of {lab} here; run `python -m grader autograde` first")
    results = {r.student: r for r in current_results(workdir, lab)}
    run = FeedbackRun(lab)
    ready = []
    for s in students:
        # A page left from an earlier run must not pass for this run's output.
        feedback_page(workdir, s, lab).unlink(missing_ok=True)
        r = results.get(s)
        if r is not None and r.status == "review":
            run.problems[s] = f"held for review: no feedback until `python -m grader accept {lab} {s}`"
        elif r is not None and r.status in ("rejected", "error"):
            run.problems[s] = f"{r.status}: {r.detail}"
        elif r is None or not _autograded(workdir, s, lab).is_file():
            run.problems[s] = "no graded notebook (grading failed or never ran for this student)"
        else:
            ready.append(s)
    if not ready:
        return run

    if show_hidden:
        # The instructor's view: nbgrader's own pages, hidden tests and tracebacks included.
        proc = run_nbgrader(workdir, "generate_feedback", lab, "--force", check=False)
        log = proc.stdout + proc.stderr
        for s in ready:
            page = feedback_page(workdir, s, lab)
            if page.is_file():
                run.written[s] = page
            else:
                line = last_error_line(log, s)
                run.problems[s] = "nbgrader could not render feedback" + (f": {line[:200]}" if line else "")
        for s in set(students) - set(ready):
            feedback_page(workdir, s, lab).unlink(missing_ok=True)
        return run

    released = read_notebook(workdir / "release" / lab / f"{lab}.ipynb")
    sources = graded_sources(workdir, lab)
    # The lab's hidden lines as graded, and as they are now (in case they differ).
    hidden = hidden_text([*sources.values(),
                          *(c.source for c in read_notebook(source_notebook(lab)).cells if c.cell_type == "code")])
    tests = describe_tests(released, sources)
    for s in ready:
        page = feedback_page(workdir, s, lab)
        try:
            submitted = read_notebook(workdir / "submitted" / s / lab / f"{lab}.ipynb")
            graded_nb = read_notebook(_autograded(workdir, s, lab))
        except GraderError as exc:
            run.problems[s] = f"no feedback: {exc}"
            continue
        text = render_page(lab, s, results[s], submitted, released, tests,
                           failure_lines(graded_nb, tests, hidden))
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(text)
        # A hidden line that the student wrote too (a hidden test may recompute the
        # answer the reference way) is theirs to see: only the others count.
        own = _squash("\n".join(c.source for c in [*submitted.cells, *released.cells]))
        leak = _leaks(page, [h for h in hidden if _squash(h) not in own])
        if leak:
            page.unlink()
            run.problems[s] = f"feedback withheld: {leak}"
            continue
        _link_or_copy_tree(MATHJAX, page.parent / "mathjax")
        run.written[s] = page
    return run


def format_run(run: FeedbackRun, workdir: Path) -> str:
    lines = [f"feedback for {len(run.written)} student(s) of {run.lab} in {Path(workdir) / 'feedback'}:"]
    lines += [f"  {s:<24} {p}" for s, p in sorted(run.written.items())]
    if run.problems:
        lines.append(f"no feedback for {len(run.problems)} student(s):")
        lines += [f"  {s:<24} {why}" for s, why in sorted(run.problems.items())]
    return "\n".join(lines)
