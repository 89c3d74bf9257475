"""The book builds strictly from the checkout, with executed figures; a raising chapter fails it."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import REPO, build  # the fixture `html` (the built book) is in conftest.py


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # one worker builds the book once for all of them
def test_book_has_a_home_page_and_every_page_of_the_toc(html):
    assert (html / "index.html").is_file()
    for page in ("intro", "notation", "chapters/flow_matching", "labs/flow_matching/flow_matching",
                 "research", "bibliography"):
        assert (html / f"{page}.html").is_file(), page


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # one worker builds the book once for all of them
def test_tables_that_chapters_compute_are_rendered_as_tables(html):
    # myst-nb renders a cell's Markdown output as CommonMark unless the cell asks
    # for `mystnb: markdown_format: myst`, and CommonMark prints a pipe table as text.
    for page in sorted((html / "chapters").glob("*.html")):
        rows = re.findall(r"<p>\|[^<]*\|", page.read_text())
        assert not rows, f"{page.name}: a table printed as text ({rows[0][:60]}...): give its cell `mystnb: markdown_format: myst`"


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # one worker builds the book once for all of them
def test_flow_matching_chapter_shows_executed_figures_and_no_errors(html):
    page = (html / "chapters" / "flow_matching.html").read_text()
    images = re.findall(r'<img[^>]+src="([^"]+)"', page)
    figures = [src for src in images if "_images/" in src or src.startswith("data:image")]
    assert len(figures) >= 6, f"only {len(figures)} executed figures"
    for src in figures:
        if not src.startswith("data:"):
            assert (html / "chapters" / src).resolve().is_file(), src
    assert "Traceback" not in page and "NotImplementedError" not in page
    assert "animation" in page.lower(), "the trajectory animation is embedded"


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # one worker builds the book once for all of them
def test_lab_page_is_not_executed_and_offers_the_notebook(html):
    page = (html / "labs" / "flow_matching" / "flow_matching.html").read_text()
    # Code is syntax-highlighted, so the stub's text is split across <span>s.
    assert "NotImplementedError" in page, "the student's stubs are shown"
    assert 'class="cell_output' not in page, "the student version is shown, not run"
    assert "_sources/labs/flow_matching/flow_matching.ipynb" in page, "download button"
    assert (html / "_sources" / "labs" / "flow_matching" / "flow_matching.ipynb").is_file()


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # one worker builds the book once for all of them
def test_a_chapter_that_raises_fails_the_build(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    shutil.copyfile(REPO / "_config.yml", book / "_config.yml")
    shutil.copyfile(REPO / "references.bib", book / "references.bib")
    for folder in ("_ext", "_vendor"):  # the local Sphinx extension and MathJax that _config.yml names
        shutil.copytree(REPO / folder, book / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: broken\n")
    (book / "intro.md").write_text("# Intro\n")
    (book / "broken.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  name: python3\n  display_name: Python 3\n---\n\n# Broken\n\n"
        "```{code-cell} ipython3\nraise RuntimeError('chapter bug')\n```\n")
    out = tmp_path / "out"
    proc = build(book, out)
    assert proc.returncode != 0
    # myst-nb names the failing page on the console and keeps the traceback in a report.
    assert "broken" in proc.stdout + proc.stderr
    report = out / "_build" / "html" / "reports" / "broken.err.log"
    traceback = re.sub(r"\x1b\[[0-9;]*m", "", report.read_text())  # drop ANSI colours
    assert "RuntimeError: chapter bug" in traceback


def test_the_genmod_reference_page_documents_every_module_of_the_package():
    # Students read there what they import; a new module needs its section (autodoc).
    page = (REPO / "reference" / "genmod.md").read_text()
    documented = set(re.findall(r"automodule:: genmod\.(\w+)", page))
    modules = {p.stem for p in (REPO / "genmod").glob("*.py")} - {"__init__", "seed"}
    assert modules - documented == set(), "add them to reference/genmod.md"


@pytest.mark.slow
@pytest.mark.xdist_group("book")  # one worker builds the book once for all of them
def test_the_genmod_reference_page_shows_the_helpers_signatures_and_docstrings(html):
    page = (html / "reference" / "genmod.html").read_text()
    for name in ("genmod.setup_notebook", "genmod.data.sample_toy", "genmod.training.train",
                 "genmod.metrics.sliced_wasserstein"):
        assert f'id="{name}"' in page, name


SET_UP_LINE = re.compile(r"^(import \S|from \S+ import |#|$)")
FOLDED = ("hide-input", "hide-cell", "remove-input", "remove-cell")


def _code_cells(text: str) -> list[tuple[list[str], str]]:
    """The code cells of a MyST notebook: (tags line(s), source)."""
    cells = []
    for block in re.findall(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, re.S | re.M):
        lines = block.split("\n")
        if lines[0].strip() == "---" and "---" in (ln.strip() for ln in lines[1:]):
            end = [ln.strip() for ln in lines].index("---", 1)  # a YAML block of options
            options, lines = lines[1:end], lines[end + 1:]
        else:
            options = [ln for ln in lines if ln.startswith(":")]
        source = "\n".join(ln for ln in lines if not ln.startswith(":"))
        cells.append((options, source))
    return cells


def test_every_chapters_set_up_imports_are_folded_behind_a_toggle():
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("chapters/")]
    unfolded = []
    for chapter in chapters:
        for options, source in _code_cells((REPO / f"{chapter}.md").read_text()):
            imports_only = source.strip() and all(SET_UP_LINE.match(ln.strip()) for ln in source.splitlines())
            if imports_only and not any(tag in " ".join(options) for tag in FOLDED):
                unfolded.append(f"{chapter}: {source.strip().splitlines()[0]}")
    assert unfolded == [], "tag these set-up cells `:tags: [hide-input]`"
