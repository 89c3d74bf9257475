"""Sphinx extension: the ``{course-schedule}`` directive renders ``schedule.yml`` as a table.

One row per week: the week, its chapter and lab (links to their pages), where to
work on the lab (the student kit), and the release and due dates in the zone the
schedule gives; then the late policy. The grader reads the same file
(``grader/schedule.py``), so the page and the due dates the grader applies cannot
disagree. A malformed schedule fails the build with the grader's one-line error.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

KIT = "student-kit.zip"


def _schedule_module(srcdir: Path):
    if str(srcdir) not in sys.path:
        sys.path.insert(0, str(srcdir))
    from grader import schedule

    return schedule


def _doc_link(env, docname: str, text: str | None = None) -> nodes.Node:
    """A link to a page of the book by docname; the page's own title unless ``text``."""
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + docname,
                                refexplicit=text is not None, refwarn=True,
                                refdoc=env.docname)
    ref += nodes.inline(text=text or docname, classes=["doc"])
    return ref


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        para = nodes.paragraph()
        para += nodes.Text(cell) if isinstance(cell, str) else cell
        entry += para
        row += entry
    return row


class CourseSchedule(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        srcdir = Path(self.env.srcdir)
        path = srcdir / "schedule.yml"
        self.env.note_dependency(str(path))
        sched = _schedule_module(srcdir)
        try:
            schedule = sched.load_schedule(path)
        except sched.GraderError as exc:
            raise ExtensionError(f"course-schedule: {exc}") from None
        kit_href = "../" * self.env.docname.count("/") + KIT
        headers = ["Week", "Chapter", "Lab", "Kit", "Released", "Due"]
        table = nodes.table(classes=["course-schedule"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (6, 24, 24, 12, 17, 17):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row(headers)
        group += head
        body = nodes.tbody()
        for w in schedule.weeks:
            lab_doc = f"labs/{w.lab}/{w.lab}" if w.lab else None
            if lab_doc and lab_doc in self.env.found_docs:
                lab_cell = _doc_link(self.env, lab_doc)
                kit_cell = nodes.reference("", "student kit", refuri=kit_href, classes=["download"])
            else:
                lab_cell, kit_cell = (w.lab or "none"), ""
            body += _row([str(w.week), _doc_link(self.env, w.chapter), lab_cell, kit_cell,
                          sched.describe_when(w.release) if w.release else "",
                          sched.describe_when(w.due) if w.due else ""])
        group += body
        policy = nodes.paragraph()
        policy += nodes.strong(text="Late submissions: ")
        policy += nodes.Text(schedule.late_policy.describe()
                             + ". A submission's time is when the learning-management system received it.")
        return [table, policy]


def setup(app):
    app.add_directive("course-schedule", CourseSchedule)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
