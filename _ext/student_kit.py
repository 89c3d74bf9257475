"""Sphinx extension: the student kit is part of the site, and every lab page links it.

When the HTML build starts, ``kit/build.py`` (the code behind ``make student-kit``)
builds ``student-kit.zip`` from the sources into the site's root, so ``make book``
alone produces it and GitHub Pages publishes it with the book. Each lab page
gets a note at its top that links the kit; the front page links it in its text
(intro.md). The per-lab notebook download button is untouched.

A book without ``kit/build.py`` next to its ``_config.yml`` (a test's small
synthetic book) is built without a kit.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

ZIP = "student-kit.zip"
LOG = logging.getLogger(__name__)


def _kit_builder(srcdir: Path):
    path = srcdir / "kit" / "build.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("genmod_kit_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_kit(app) -> None:
    if app.builder.format != "html":
        return
    kit = _kit_builder(Path(app.srcdir))
    if kit is None:
        LOG.info("no kit/build.py in the book's folder: the site has no student kit")
        return
    try:
        files = kit.kit_files()
    except kit.KitError as exc:
        raise ExtensionError(f"student kit: {exc}") from None
    kit.write_zip(files, Path(app.outdir) / ZIP)
    app.student_kit_built = True  # read by link_kit_on_lab_pages
    LOG.info(f"student kit: {ZIP} ({len(files)} files)")


NOTE = """<div class="admonition tip student-kit-note">
<p class="admonition-title">Work on this lab with the student kit</p>
<p>Download the <a class="reference download" href="{href}">student kit</a>
(<code>{zip}</code>: every lab, the <code>genmod</code> package, a set-up script and a self-check),
set it up once with <code>python3 setup_kit.py</code>, and check this lab from the kit's folder with
<code>.venv/bin/python check.py {notebook}</code>. The download button at the top of this page
gives this notebook alone.</p>
</div>
"""


def link_kit_on_lab_pages(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith("labs/") or not getattr(app, "student_kit_built", False) or "body" not in context:
        return
    note = NOTE.format(href=context["pathto"](ZIP, 1), zip=ZIP, notebook=f"{pagename}.ipynb")
    body = context["body"]
    end = body.find("</h1>")
    at = body.find(">", end) + 1 if end >= 0 else 0
    context["body"] = body[:at] + "\n" + note + body[at:]


def setup(app):
    app.connect("builder-inited", build_kit)
    app.connect("html-page-context", link_kit_on_lab_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
