"""Sphinx extension: the book's layout for readers.

* ``static/reader.js`` and ``reader.css``: a display equation wider than its
  column is shrunk to fit (to 75% at most), and one wider still shows its
  scroll bar, instead of being cut off at the column's edge. They are added
  from here, not from a ``_static/`` folder: Jupyter Book would add every
  ``.js`` file of the static folders, MathJax's included, to every page.
* Chapter numbers run on across the parts of the table of contents. Sphinx
  numbers each numbered toctree from 1, and Jupyter Book makes one toctree per
  part, so the first chapter of "Models for text" would be chapter 1 again, and
  its equations, figures and theorems (numbered per chapter, ``3.2``) would
  repeat the first chapter's numbers. The section numbers are shifted after
  Sphinx assigns them and before the figure numbers, which are built from them.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.environment.collectors.toctree import TocTreeCollector

STATIC = Path(__file__).with_name("static")
_ORIGINAL = TocTreeCollector.assign_section_numbers


def _shift(number, offset: int):
    return [number[0] + offset, *number[1:]] if number else number


def continue_numbering(env) -> list[str]:
    """Shift the numbers of each numbered part of the root document's toctrees by the
    chapters of the numbered parts before it; returns the documents renumbered."""
    root = env.config.root_doc
    if root not in env.numbered_toctrees:
        return []
    offset, changed = 0, []
    for toctree in env.get_doctree(root).findall(addnodes.toctree):
        if not toctree.get("numbered"):
            continue
        chapters = 0
        for _title, ref in toctree["entries"]:
            secnums = env.toc_secnumbers.get(ref)
            if secnums is None:
                continue
            chapters += 1
            if offset:
                env.toc_secnumbers[ref] = {k: tuple(_shift(v, offset)) if v else v for k, v in secnums.items()}
                # New lists: the title and its toc entry may share one.
                for ref_node in env.tocs[ref].findall(nodes.reference):
                    if ref_node.get("secnumber"):
                        ref_node["secnumber"] = _shift(ref_node["secnumber"], offset)
                title = env.titles.get(ref)
                if title is not None and title.get("secnumber"):
                    title["secnumber"] = _shift(title["secnumber"], offset)
                changed.append(ref)
        offset += chapters
    return changed


def _assign_section_numbers(self, env):
    return _ORIGINAL(self, env) + continue_numbering(env)


def _add_static(app, config) -> None:
    config.html_static_path.append(str(STATIC))


def setup(app):
    TocTreeCollector.assign_section_numbers = _assign_section_numbers
    app.connect("config-inited", _add_static)
    app.add_css_file("reader.css")
    app.add_js_file("reader.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
