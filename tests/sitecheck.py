"""The built book as its readers get it: served over HTTP and opened in a real browser.

Two kinds of check, used by ``tests/test_site.py``:

* on the HTML files (no browser): every internal link and anchor resolves, and no
  page loads a script, style sheet, font or image from outside the site (it must
  work offline; links *to* papers are fine);
* in headless Chromium (the system's, through Playwright; never a downloaded browser):
  a page logs no console error and throws nothing, every request stays on the
  site and succeeds, every image loads, and MathJax has rendered every formula,
  with no TeX error and no ``$...$`` left as text; and no display equation runs past
  the right edge of its column or into its own number, folded solutions included.

Run as a script, it saves screenshots of the built book (the README's images)::

    .venv/bin/python tests/sitecheck.py screenshots _build/html docs/screenshots
"""

from __future__ import annotations

import argparse
import atexit
import functools
import os
import re
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import unquote, urlsplit

# Without the background-networking flags Chromium keeps calling home, which on a
# closed network means a stream of failing connections; a fresh profile each run
# keeps one run's cache and storage out of the next.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Folders of the built site that are not pages: theme templates, failed-build reports.
NOT_PAGES = ("_static/", "_sources/", "_images/", "reports/")


def find_chromium() -> str | None:
    """The system Chromium: $CHROMIUM if set, else the first one on the PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # one line per request would drown the test output
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser that leaves a page drops the downloads still running: not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on a free port of 127.0.0.1; yields the base URL (ending in ``/``)."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- checks on the files

def pages(root: Path) -> list[Path]:
    """Every HTML page of the built site."""
    return sorted(p for p in root.rglob("*.html")
                  if not p.relative_to(root).as_posix().startswith(NOT_PAGES))


class _Page(HTMLParser):
    """The anchors a page defines and the URLs it refers to, as (tag, rel, url)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str, str]] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src", "data", "poster"):
            if attrs.get(key) is not None:
                self.refs.append((tag, (attrs.get("rel") or "").lower(), attrs[key].strip()))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def _is_external(url: str) -> bool:
    return bool(urlsplit(url).scheme) or url.startswith("//")


def broken_links(root: Path) -> list[str]:
    """Internal links, images, scripts and styles whose file or ``#anchor`` does not exist.

    One line per problem: ``page: url (why)``. External URLs are not fetched (the
    tests run offline); :func:`external_assets` is the check for those.
    """
    root = root.resolve()
    parsed = {page: _parse(page) for page in pages(root)}
    problems = []
    for page, found in parsed.items():
        here = page.relative_to(root).as_posix()
        for tag, _rel, url in found.refs:
            if not url or url == "#" or _is_external(url):
                continue
            parts = urlsplit(url)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if root not in target.parents and target != root:
                problems.append(f"{here}: {url} (outside the site)")
            elif not target.is_file():
                problems.append(f"{here}: {url} (no such file)")
            elif parts.fragment and target.suffix == ".html" and tag == "a":
                ids = (parsed.get(target) or _parse(target)).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{here}: {url} (no anchor #{parts.fragment} there)")
    return problems


_CSS_EXTERNAL = re.compile(r"""(?:url\(\s*|@import\s+)["']?((?:https?:)?//[^"')\s]+)""", re.I)


def external_assets(root: Path) -> list[str]:
    """Scripts, style sheets, fonts, images and frames a page would load from another site.

    Only ``<a href>`` (and ``<link rel="canonical">``, which loads nothing) may point
    elsewhere: a reader offline gets every page whole, minus the links out.
    """
    problems = []
    for page in pages(root):
        here = page.relative_to(root).as_posix()
        parsed = _parse(page)
        for tag, rel, url in parsed.refs:
            if tag == "a" or (tag == "link" and rel == "canonical"):
                continue
            if _is_external(url) and not url.startswith(("data:", "javascript:", "mailto:")):
                problems.append(f"{here}: <{tag}> {url}")
        for css in parsed.styles:
            problems += [f"{here}: <style> {url}" for url in _CSS_EXTERNAL.findall(css)]
    for sheet in sorted(root.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        problems += [f"{sheet.relative_to(root).as_posix()}: {url}" for url in _CSS_EXTERNAL.findall(text)]
    return problems


# ---------------------------------------------------------------- checks in a browser

# Runs in the page once it has loaded and MathJax (if any) has finished.
_INSPECT = r"""
() => {
  const maths = [...document.querySelectorAll('.math')];
  const unrendered = maths.filter(m => !m.querySelector('mjx-container'))
                          .map(m => m.textContent.trim().slice(0, 60));
  // TeX errors, read from MathJax's own MathML of each formula (the output's glyphs are
  // CSS, not text): an <merror>, or an undefined macro, which MathJax shows as red text.
  const texErrors = [];
  const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
  for (const item of (doc && doc.math) || []) {
    const mml = MathJax.startup.toMML(item.root);
    const error = mml.match(/<merror[^>]*data-mjx-error="([^"]*)"/);
    const undefinedMacro = mml.match(/<mtext mathcolor="red">(\\[^<]*)<\/mtext>/);
    if (error) texErrors.push(error[1]);
    if (undefinedMacro) texErrors.push('Undefined control sequence ' + undefinedMacro[1]);
  }
  // Text a reader sees, minus code and typeset maths, for TeX that was never typeset.
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, textarea, mjx-container, .math, .highlight')
      .forEach(e => e.remove());
  const raw = body.textContent.match(/\$\$?[^$\s][^$]*\$\$?|\\\(.+?\\\)|\\\[.+?\\\]|\\begin\{[a-z*]+\}/gs) || [];
  const images = [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
                                     .map(i => i.getAttribute('src').slice(0, 80));
  return {maths: maths.length, unrendered, texErrors, raw: raw.map(s => s.slice(0, 60)), images};
}
"""


# Runs after _INSPECT (and the screenshot): unfolds every dropdown (and lets the book's
# reader.js fit the equations it shows), then measures each display equation. Its
# typeset content must end inside every box around it up to its column: past a box
# that clips it or scrolls it, the rest is out of a reader's sight. A numbered
# equation must also end before its number.
_OVERFLOW = r"""
() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
  if (window.readerFitMath) window.readerFitMath();
  const tex = new Map();
  const doc = window.MathJax && MathJax.startup && MathJax.startup.document;
  for (const item of (doc && doc.math) || []) {
    if (item.typesetRoot) tex.set(item.typesetRoot, item.math);
  }
  const wide = [], overNumber = [];
  for (const box of document.querySelectorAll('mjx-container[display="true"]')) {
    const content = box.querySelector('mjx-math') || box;
    const rect = content.getBoundingClientRect();
    if (rect.width === 0) continue;  // not displayed
    const column = box.closest('article') || document.body;
    let edge = column.getBoundingClientRect().right;
    for (let e = box; e && e !== column; e = e.parentElement) {
      if (getComputedStyle(e).overflowX !== 'visible') edge = Math.min(edge, e.getBoundingClientRect().right);
    }
    const label = (((box.parentElement && box.parentElement.id) || '') + ' '
                   + (tex.get(box) || '').replace(/\s+/g, ' ').trim().slice(0, 50)).trim();
    const hidden = rect.right - edge;
    if (hidden > 1) wide.push(`${Math.round(hidden)} px: ${label}`);
    const eqno = box.parentElement && box.parentElement.querySelector(':scope > .eqno');
    if (eqno) {
      const n = eqno.getBoundingClientRect();
      const sameLine = n.top < rect.bottom && rect.top < n.bottom;
      if (n.width > 0 && sameLine && Math.min(rect.right, edge) > n.left + 1 && rect.left < n.right)
        overNumber.push(`${eqno.textContent.replace('#', '').trim()}: ${label}`);
    }
  }
  return {wide, overNumber};
}
"""


@dataclass
class PageReport:
    """What one visit to a page showed; ``problems()`` is empty for a healthy page."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    maths: int = 0
    unrendered_math: list[str] = field(default_factory=list)
    tex_errors: list[str] = field(default_factory=list)
    raw_math: list[str] = field(default_factory=list)
    broken_images: list[str] = field(default_factory=list)
    wide_math: list[str] = field(default_factory=list)
    math_over_number: list[str] = field(default_factory=list)

    def problems(self, most: int = 5) -> list[str]:
        """One line per problem, at most ``most`` of each kind (a page without MathJax has hundreds)."""
        labels = {"console_errors": "console error", "page_errors": "uncaught exception",
                  "failed_requests": "failed request", "external_requests": "request off the site",
                  "unrendered_math": "math not rendered", "tex_errors": "TeX error",
                  "raw_math": "raw TeX in the text", "broken_images": "image not loaded",
                  "wide_math": "equation cut off by", "math_over_number": "equation over its number"}
        lines = []
        for name, label in labels.items():
            items = getattr(self, name)
            lines += [f"{label}: {item}" for item in items[:most]]
            if len(items) > most:
                lines.append(f"{label}: ... and {len(items) - most} more")
        return lines


_DRIVER = None


def _playwright():
    """The process's one Playwright driver: its sync API allows a single one per thread,
    and every :class:`Browser` launches its own Chromium through it."""
    global _DRIVER
    if _DRIVER is None:
        from playwright.sync_api import sync_playwright  # here: the static checks do without it

        _DRIVER = sync_playwright().start()
        atexit.register(_DRIVER.stop)
    return _DRIVER


class Browser:
    """Headless Chromium that may only talk to one site (``base``); everything else is
    refused and reported, as it would fail for a reader offline."""

    def __init__(self, executable: str, base: str, timeout_ms: int = 60_000):
        self.base = base
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        try:
            self.context = _playwright().chromium.launch_persistent_context(
                self._profile, executable_path=executable, args=CHROMIUM_FLAGS, headless=True,
                viewport={"width": 1280, "height": 800}, accept_downloads=True)
        except Exception:
            shutil.rmtree(self._profile, ignore_errors=True)
            raise
        self.context.set_default_timeout(timeout_ms)
        self._off_site: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self._off_site.append(route.request.url)
            route.abort("blockedbyclient")

    def close(self):
        self.context.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def new_page(self, report: PageReport | None = None):
        """A tab whose console errors, exceptions and failed requests go into ``report``."""
        page = self.context.new_page()
        if report is not None:
            page.on("console", lambda m: m.type == "error" and report.console_errors.append(m.text))
            page.on("pageerror", lambda e: report.page_errors.append(f"{e.name}: {e.message}"))
            page.on("requestfailed", lambda r: r.url.startswith(self.base)
                    and report.failed_requests.append(f"{r.url} ({r.failure})"))
            page.on("response", lambda r: r.status >= 400
                    and report.failed_requests.append(f"{r.url} (HTTP {r.status})"))
        return page

    def check(self, path: str, screenshot: Path | None = None) -> PageReport:
        """Open ``base + path``, wait for it and its mathematics, and report what is wrong."""
        report = PageReport(self.base + path)
        self._off_site.clear()
        page = self.new_page(report)
        try:
            page.goto(report.url, wait_until="load")
            # MathJax typesets after the load event; its startup promise settles when it is done.
            page.evaluate("async () => { if (window.MathJax && MathJax.startup && MathJax.startup.promise)"
                          " await MathJax.startup.promise; }")
            found = page.evaluate(_INSPECT)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot))
            overflow = page.evaluate(_OVERFLOW)
        finally:
            page.close()
        report.maths = found["maths"]
        report.unrendered_math = found["unrendered"]
        report.tex_errors = found["texErrors"]
        report.raw_math = found["raw"]
        report.broken_images = found["images"]
        report.wide_math = overflow["wide"]
        report.math_over_number = overflow["overNumber"]
        report.external_requests = list(self._off_site)
        return report


# ---------------------------------------------------------------- README screenshots

# The README's pictures: what a reader sees first, a chapter's mathematics with a
# figure its code made, and a lab page with its download menu open.
# name -> (page, element to bring to the bottom of the window, element to click)
README_SHOTS = {
    "book.png": ("intro.html", None, None),
    "chapter.png": ("chapters/flow_matching.html", "#the-gaussian-case-in-closed-form img", None),
    "lab.png": ("labs/flow_matching/flow_matching.html", None,
                ".dropdown-download-buttons button.dropdown-toggle"),
}


def readme_screenshots(html: Path, out: Path, executable: str) -> list[Path]:
    """Save the README's screenshots of the built book ``html`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with serve(html) as base, Browser(executable, base) as browser:
        for name, (path, show, click) in README_SHOTS.items():
            page = browser.new_page()
            page.goto(base + path, wait_until="load")
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
            if show:
                page.locator(show).first.evaluate("e => e.scrollIntoView({block: 'end'})")
            if click:
                page.locator(click).first.click()
            page.wait_for_timeout(300)  # let the theme finish its transitions
            page.screenshot(path=str(out / name))
            page.close()
            saved.append(out / name)
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    shots = sub.add_parser("screenshots", help="save the README's screenshots of a built book")
    shots.add_argument("html", type=Path, help="the built site, e.g. _build/html")
    shots.add_argument("out", type=Path, help="folder for the PNG files, e.g. docs/screenshots")
    args = parser.parse_args(argv)
    executable = find_chromium()
    if executable is None:
        parser.error("Chromium not found: install it (Debian: apt-get install chromium) or set CHROMIUM")
    if not (args.html / "index.html").is_file():
        parser.error(f"{args.html} holds no built book (no index.html); run `make book` first")
    for path in readme_screenshots(args.html, args.out, executable):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
