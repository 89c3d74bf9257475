"""Sphinx extension: every page includes each inline ``<script>`` once.

Sphinx 7.4 registers an inline script (one with a body and no file) that an
extension adds after the builder starts twice: once with the file name
``None`` and once, in ``prepare_writing``, with ``''``; the two compare
unequal, so both reach the page. sphinx-thebe's ``const THEBE_JS_URL = ...``
is such a script, and declaring a ``const`` twice is a SyntaxError in every
page's console. Jupyter Book 1 needs Sphinx < 8, so the fix lives here.
"""

from __future__ import annotations


def _key(script) -> tuple:
    return (script.filename or "", script.priority, *sorted(script.attributes.items()))


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        if (key := _key(script)) not in seen:
            seen.add(key)
            unique.append(script)
    # In place: the context holds the builder's own list, which it restores after each page.
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
