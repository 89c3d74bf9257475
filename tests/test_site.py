"""The built book as readers get it: in a real browser, with working links, and offline.

Each checker of tests/sitecheck.py is first shown to catch its fault on a small
synthetic site, then run on the book that tests/conftest.py builds once per
session. The browser is Debian's Chromium, driven by Playwright. Where it is
missing the browser tests skip with the reason, except in CI (``CI=true``),
where a skipped browser test would hide a broken site, so they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

import sitecheck
from conftest import REPO

# Screenshots of a few pages of the built book, kept as test artefacts (CI uploads them).
ARTEFACTS = Path(os.environ.get("SITE_ARTEFACTS", REPO / ".pytest_cache" / "site"))
SCREENSHOT_PAGES = {"intro", "chapters/flow_matching", "labs/flow_matching/flow_matching"}


def _toc_pages() -> list[str]:
    """The book's pages in reading order, as _toc.yml lists them (without suffix)."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    return [str(Path(f).with_suffix("")) for f in files]


TOC_PAGES = _toc_pages()
LAB_PAGES = [p for p in TOC_PAGES if p.startswith("labs/")]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium() -> str:
    executable = sitecheck.find_chromium()
    if executable is None:
        reason = ("Chromium not found, browser tests not run: install it (Debian/Ubuntu: "
                  "`sudo apt-get install chromium`; `make test` does this when run as root) "
                  "or set CHROMIUM=/path/to/chromium")
        if _in_ci():
            pytest.fail(f"{reason}. CI=true: the browser tests must run in CI.")
        pytest.skip(reason)
    return executable


# ------------------------------------------------------------- the checkers catch each fault

MATHJAX = "mathjax/tex-chtml-full.js"  # copied next to the synthetic pages from _vendor/


def _page(body: str, mathjax: bool = False, css: str = "") -> str:
    script = f'<script defer src="{MATHJAX}"></script>' if mathjax else ""
    style = f'<link rel="stylesheet" href="{css}">' if css else ""
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'>{style}{script}</head><body>{body}</body></html>"


def _sum(terms: int) -> str:
    return " + ".join(f"\\frac{{x_{{{k}}}^2}}{{y_{{{k}}}}}" for k in range(1, terms + 1))


def _equation(terms: int, column_px: int, eqno_style: str = "") -> str:
    """A display equation of ``terms`` fractions in a column, numbered as Sphinx numbers one."""
    return (f'<article style="width: {column_px}px"><div class="math notranslate nohighlight" '
            f'id="equation-wide" style="position: relative"><span class="eqno" style="{eqno_style}">(3.2)'
            f'</span>\\[ {_sum(terms)} \\]</div></article>')


# The theme's own layout of a numbered display equation (pydata-sphinx-theme), for the
# synthetic page that shows the book's fix at work.
THEME_MATH_CSS = ("<style>div.math{align-items:center;display:flex;max-width:100%;overflow:hidden;"
                  "flex-direction:row-reverse;gap:.5em}div.math mjx-container{flex-grow:1;overflow:auto;"
                  "padding-bottom:.2rem}</style>")
READER_CSS, READER_JS = "reader.css", "reader.js"  # the book's own, in _ext/static/


# page -> (content, what the browser check must report for it)
FAULTY_PAGES = {
    "console_error.html": (_page("<script>console.error('boom')</script>"), "console error: boom"),
    "exception.html": (_page("<script>undefinedFunction()</script>"),
                       "uncaught exception: ReferenceError: undefinedFunction is not defined"),
    "raw_dollars.html": (_page("<p>The loss is $\\|x - y\\|^2$ per sample.</p>", mathjax=True),
                         "raw TeX in the text: $\\|x - y\\|^2$"),
    "no_mathjax.html": (_page('<p><span class="math">\\(x^2\\)</span></p>'),
                        "math not rendered: \\(x^2\\)"),
    "tex_error.html": (_page('<p><span class="math">\\(\\notamacro{x}\\)</span></p>', mathjax=True),
                       "TeX error: Undefined control sequence \\notamacro"),
    "tex_parse_error.html": (_page('<p><span class="math">\\(x^2^3\\)</span></p>', mathjax=True),
                             "TeX error: Double exponent: use braces to clarify"),
    "wide_equation.html": (_page(_equation(15, 300, "float: right"), mathjax=True),
                           "equation cut off by"),
    "wide_equation_scrolled.html": (_page(THEME_MATH_CSS + _equation(15, 300), mathjax=True),
                                    "equation cut off by"),
    "equation_over_number.html": (_page(_equation(9, 400, "position: absolute; right: 0"), mathjax=True),
                                  "equation over its number: (3.2)"),
    "missing_image.html": (_page('<img src="_images/nowhere.png" alt="">'), "image not loaded: _images/nowhere.png"),
    "cdn_script.html": (_page('<script src="https://cdn.example.invalid/lib.js"></script>'),
                        "request off the site: https://cdn.example.invalid/lib.js"),
}
CLEAN_PAGE = _page('<p>Inline <span class="math">\\(\\int_0^1 x^2\\,\\mathrm{d}x\\)</span>, costs in '
                   '<code>$HOME</code>, and <a href="https://arxiv.org/abs/2210.02747">a paper</a>.</p>'
                   '<div class="math">\\[\\mathbb{E}[x] = 0\\]</div>', mathjax=True)


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(REPO / "_vendor" / "mathjax", site / "mathjax")
    (site / "index.html").write_text(CLEAN_PAGE)
    for name in (READER_CSS, READER_JS):
        shutil.copyfile(REPO / "_ext" / "static" / name, site / name)
    # An equation a sixth wider than its column, laid out by the theme and the book's reader.js.
    (site / "wide_equation_fitted.html").write_text(_page(
        THEME_MATH_CSS + _equation(8, 300) + f'<script defer src="{READER_JS}"></script>',
        mathjax=True, css=READER_CSS))
    for name, (content, _) in FAULTY_PAGES.items():
        (site / name).write_text(content)
    return site


@pytest.fixture(scope="module")
def synthetic_browser(chromium, synthetic_site):
    with sitecheck.serve(synthetic_site) as base, sitecheck.Browser(chromium, base) as browser:
        yield browser


def test_browser_check_passes_a_clean_page_with_typeset_math(synthetic_browser):
    report = synthetic_browser.check("index.html")
    assert report.problems() == []
    assert report.maths == 2, "both formulas were found and typeset"


@pytest.mark.parametrize("page", FAULTY_PAGES)
def test_browser_check_reports_the_fault_of_a_broken_page(synthetic_browser, page):
    problems = synthetic_browser.check(page).problems()
    expected = FAULTY_PAGES[page][1]
    assert any(p.startswith(expected) for p in problems), f"{expected!r} not in {problems}"


def test_the_books_reader_script_fits_a_wide_equation_into_its_column_beside_its_number(synthetic_browser):
    assert synthetic_browser.check("wide_equation_scrolled.html").wide_math, "too wide without the script"
    report = synthetic_browser.check("wide_equation_fitted.html")
    assert report.problems() == [], report.problems()
    assert report.maths == 1


def test_link_check_reports_missing_pages_and_anchors_and_passes_good_ones(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.html").write_text(
        '<h1 id="top">A</h1><a href="#top">ok</a> <a href="sub/b.html#part">ok</a> <a href="sub/">ok</a>'
        '<a href="https://example.org/missing">external, not fetched</a> <img src="sub/fig.png">')
    (tmp_path / "sub" / "b.html").write_text('<section id="part"></section><a href="../a.html#top">ok</a>')
    (tmp_path / "sub" / "index.html").write_text("<p>index</p>")
    (tmp_path / "sub" / "fig.png").write_bytes(b"png")
    assert sitecheck.broken_links(tmp_path) == []

    (tmp_path / "c.html").write_text('<a href="nowhere.html">x</a> <a href="sub/b.html#gone">y</a>'
                                     '<a href="#nothere">z</a> <img src="sub/missing.png">')
    assert sitecheck.broken_links(tmp_path) == [
        "c.html: nowhere.html (no such file)", "c.html: sub/b.html#gone (no anchor #gone there)",
        "c.html: #nothere (no anchor #nothere there)", "c.html: sub/missing.png (no such file)"]


def test_offline_check_reports_scripts_styles_fonts_and_images_from_other_sites_not_links(tmp_path):
    (tmp_path / "ok.html").write_text(
        '<link rel="stylesheet" href="_static/local.css"><script src="_static/x.js"></script>'
        '<a href="https://arxiv.org/abs/1">paper</a> <img src="data:image/png;base64,AAAA">')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "local.css").write_text(
        '.a{background:url("data:image/svg+xml;utf8,<svg xmlns=\'http://www.w3.org/2000/svg\'/>")}')
    assert sitecheck.external_assets(tmp_path) == []

    (tmp_path / "bad.html").write_text(
        '<script src="https://cdn.example.invalid/mathjax.js"></script>'
        '<link rel="stylesheet" href="//cdn.example.invalid/fa.css"><img src="http://example.org/x.png">'
        '<style>@import url("https://fonts.example.invalid/css");</style>')
    (tmp_path / "_static" / "theme.css").write_text("@font-face{src:url(https://fonts.example.invalid/f.woff2)}")
    assert sitecheck.external_assets(tmp_path) == [
        "bad.html: <script> https://cdn.example.invalid/mathjax.js",
        "bad.html: <link> //cdn.example.invalid/fa.css",
        "bad.html: <img> http://example.org/x.png",
        "bad.html: <style> https://fonts.example.invalid/css",
        "_static/theme.css: https://fonts.example.invalid/f.woff2"]


# ------------------------------------------------------------- the built book

@pytest.fixture(scope="module")
def book(chromium, html):
    """A browser on the built book, served on localhost."""
    with sitecheck.serve(html) as base, sitecheck.Browser(chromium, base) as browser:
        yield browser


@pytest.mark.slow
@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("page", TOC_PAGES)
def test_every_page_of_the_book_renders_cleanly_in_a_browser(book, page):
    shot = ARTEFACTS / f"{page.replace('/', '__')}.png" if page in SCREENSHOT_PAGES else None
    report = book.check(f"{page}.html", screenshot=shot)
    assert report.problems() == [], f"{report.url}:\n" + "\n".join(report.problems())
    if page.startswith(("chapters/", "labs/")):
        assert report.maths > 0, "a chapter or lab without a single typeset formula: MathJax did not run?"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_book_has_no_broken_internal_link_anchor_or_citation(html):
    assert sitecheck.broken_links(html) == []
    # Citations are links into the bibliography page; broken_links has checked their anchors.
    for chapter in (p for p in TOC_PAGES if p.startswith("chapters/")):
        text = (html / f"{chapter}.html").read_text()
        assert re.search(r'href="\.\./bibliography\.html#[^"]+"', text), f"{chapter} cites nothing"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_front_page_and_every_lab_page_link_the_student_kit_built_into_the_site(html):
    # broken_links above proves the links resolve; here, that they are there and what they give.
    with zipfile.ZipFile(html / "student-kit.zip") as kit:
        names = set(kit.namelist())
    assert {"student-kit/check.py", "student-kit/setup_kit.py", "student-kit/README.md"} <= names
    assert {f"student-kit/{page}.ipynb" for page in LAB_PAGES} <= names
    assert not any(n.startswith(("student-kit/grader/", "student-kit/solutions/")) for n in names)
    assert 'href="student-kit.zip"' in (html / f"{TOC_PAGES[0]}.html").read_text()
    for page in LAB_PAGES:
        assert 'href="../../student-kit.zip"' in (html / f"{page}.html").read_text(), page


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_book_loads_no_script_style_font_or_image_from_another_site(html):
    assert sitecheck.external_assets(html) == []


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_pages_with_math_load_mathjax_once_from_the_book(html):
    for page in sitecheck.pages(html):
        text = page.read_text()
        if 'class="math' not in text:
            continue
        scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', text, re.I)
        name = page.relative_to(html).as_posix()
        assert len(scripts) == 1, f"{name} loads MathJax {len(scripts)} times: {scripts}"
        target = (page.parent / scripts[0].split("?")[0]).resolve()
        assert target.is_file() and html.resolve() in target.parents, f"{name}: {scripts[0]}"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_sidebar_lists_every_page_and_next_links_walk_the_toc_in_order(html):
    first = (html / f"{TOC_PAGES[0]}.html").read_text()
    sidebar = re.search(r'<nav class="bd-links bd-docs-nav".*?</nav>', first, re.S).group(0)
    listed = [h for h in re.findall(r'<a class="[^"]*reference internal[^"]*" href="([^"#]+)', sidebar)]
    assert listed == [f"{p}.html" for p in TOC_PAGES[1:]], "the sidebar lists the toc in order"
    for page, following in zip(TOC_PAGES, TOC_PAGES[1:]):
        text = (html / f"{page}.html").read_text()
        nxt = re.search(r'<a class="right-next"\s+href="([^"]+)"', text)
        assert nxt, f"{page} has no next link"
        assert (html / page).parent.joinpath(nxt.group(1)).resolve() == (html / f"{following}.html").resolve()


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_next_sidebar_and_previous_links_navigate_in_the_browser(book):
    # Light pages only: a click waits until the page is idle, and typesetting the
    # long chapters takes seconds (they are each opened above anyway).
    page = book.new_page()
    page.goto(book.base + f"{TOC_PAGES[0]}.html", wait_until="domcontentloaded")
    page.locator("a.right-next").click()
    page.wait_for_url(book.base + f"{TOC_PAGES[1]}.html", wait_until="domcontentloaded")
    page.locator("nav.bd-docs-nav").get_by_role("link", name="The research track", exact=True).click()
    page.wait_for_url(book.base + "research.html", wait_until="domcontentloaded")
    assert page.locator("h1").first.inner_text().startswith("The research track")
    page.locator("a.left-prev").click()
    before_research = TOC_PAGES[TOC_PAGES.index("research") - 1]
    page.wait_for_url(book.base + f"{before_research}.html", wait_until="domcontentloaded")
    page.close()


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_search_box_finds_the_chapter_and_the_lab_of_a_term(book):
    page = book.new_page()
    page.goto(book.base + "chapters/gans.html", wait_until="domcontentloaded")
    page.keyboard.press("Control+k")  # the theme's shortcut opens the search dialog
    box = page.locator("#pst-search-dialog input[name=q]")
    box.fill("Hutchinson")
    box.press("Enter")
    page.wait_for_url("**/search.html?q=Hutchinson*")
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for()
    found = {href.split("?")[0] for href in results.evaluate_all("els => els.map(e => e.getAttribute('href'))")}
    page.screenshot(path=str(ARTEFACTS / "search.png"))
    page.close()
    assert {"chapters/normalizing_flows.html", "labs/normalizing_flows/normalizing_flows.html"} <= found, found


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_lab_page_download_button_returns_the_student_notebook(book, tmp_path):
    lab = "flow_matching"
    page = book.new_page()
    page.goto(book.base + f"labs/{lab}/{lab}.html")
    page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
    with page.expect_download() as download:
        page.locator(".dropdown-download-buttons a.btn-download-source-button").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    page.close()
    assert saved.name == f"{lab}.ipynb"
    nb = nbformat.read(saved, as_version=4)
    nbformat.validate(nb)
    source = "\n".join(cell.source for cell in nb.cells)
    assert "NotImplementedError" in source and "BEGIN SOLUTION" not in source, "the student version"
    assert nb == nbformat.read(REPO / "labs" / lab / f"{lab}.ipynb", as_version=4), "as released in labs/"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("page", LAB_PAGES)
def test_every_lab_page_offers_its_notebook_for_download(html, page):
    text = (html / f"{page}.html").read_text()
    link = re.search(r'<a href="([^"]+\.ipynb)"[^>]*btn-download-source-button', text)
    assert link, f"{page} has no .ipynb download button"
    nbformat.validate(nbformat.read((html / page).parent / link.group(1), as_version=4))


def test_readme_screenshots_exist_and_stay_small():
    # Refresh them with: .venv/bin/python tests/sitecheck.py screenshots _build/html docs/screenshots
    images = re.findall(r"!\[[^\]]*\]\((docs/screenshots/[^)]+)\)", (REPO / "README.md").read_text())
    assert sorted(Path(i).name for i in images) == sorted(sitecheck.README_SHOTS)
    for image in images:
        size = (REPO / image).stat().st_size
        assert size < 300_000, f"{image} is {size // 1000} kB; keep README images under 300 kB"


CHAPTER_PAGES = [p for p in TOC_PAGES if p.startswith("chapters/")]


@pytest.mark.slow
@pytest.mark.xdist_group("book")
@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_equations_figures_and_theorems_are_numbered_per_chapter_in_toc_order(html, page):
    # Chapter numbers run on across the toc's parts: the n-th chapter is n, wherever its part.
    n = CHAPTER_PAGES.index(page) + 1
    text = (html / f"{page}.html").read_text()
    eqnos = re.findall(r'<span class="eqno">\(([0-9.]+)\)', text)
    assert not eqnos or eqnos[0] == f"{n}.1", eqnos[:3]
    assert all(e.startswith(f"{n}.") for e in eqnos), eqnos
    captions = re.findall(r'class="caption-number">(?:Fig\.|Theorem|Definition|Lemma|Proposition) ([0-9.]+)', text)
    assert all(x.startswith(f"{n}.") for x in captions), captions
    assert eqnos or captions, "nothing numbered: is the chapter in a part with `numbered: 2` in _toc.yml?"
    assert f'<h1><span class="section-number">{n}. </span>' in text, "the chapter's title carries its number"


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_a_page_has_one_search_box_and_no_empty_top_bar(book):
    page = book.new_page()
    page.goto(book.base + "chapters/gans.html", wait_until="load")
    assert not page.locator("#pst-header").is_visible()
    assert page.locator("button.search-button-field:visible").count() == 1
    page.close()
