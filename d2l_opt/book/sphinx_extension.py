"""Sphinx extension of the book: headless kernels, graded cells shown as a reader needs them
(:mod:`d2l_opt.book.grading_cells`), and pages with no console errors.

Three defects of the stock Jupyter Book 1 pages are mended here:

* Sphinx 7.4 registers an inline script added by an extension twice, once with the file name
  ``None`` and once with ``""``; sphinx-thebe's ``const THEBE_JS_URL = ...`` then appears twice
  on every page and throws "Identifier 'THEBE_JS_URL' has already been declared". Each page's
  scripts are made unique before it is written.
* With no stored preference the theme starts with an empty colour mode and logs "Got invalid
  theme mode"; the book's figures are drawn on white, so the default is light.
* Links inside exercises and solutions fall short of WCAG AA contrast on their light blue
  background; ``static/d2l_opt_book.css`` darkens them.
"""
from __future__ import annotations

from pathlib import Path

from ..headless import run_headless
from . import grading_cells

STATIC = Path(__file__).resolve().parent / "static"


def setup(app):
    """Sphinx entry point."""
    run_headless()
    grading_cells.setup(app)
    app.connect("builder-inited", _add_static)
    app.add_css_file("d2l_opt_book.css")
    app.connect("config-inited", _default_light_mode)
    app.connect("html-page-context", _unique_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _add_static(app):
    """The book's own stylesheet (d2l_opt/book/static), served beside the theme's."""
    app.config.html_static_path.append(str(STATIC))


def _default_light_mode(app, config):
    config.html_context.setdefault("default_mode", "light")


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = (getattr(script, "filename", script) or "", getattr(script, "priority", 0),
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept
