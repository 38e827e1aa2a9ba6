"""How the rendered book shows the cells that nbgrader grades.

The chapters are the instructor edition: a coding exercise's answer cell wraps the solution in
``### BEGIN SOLUTION`` / ``### END SOLUTION``, and its test cell may hold ``### BEGIN HIDDEN
TESTS`` ... ``### END HIDDEN TESTS``. nbgrader needs those lines; a reader does not. In the
book the marker lines and the hidden tests are removed from the code shown (they still ran
when the chapter was executed). In the student edition (``d2l_opt_student_edition = True``)
each solution region becomes nbgrader's stub, the answer cell's output is dropped, and the
cells tagged ``solution`` (the experiments behind a worked solution) are removed.
"""
from __future__ import annotations

import re

from docutils import nodes

__all__ = ["reader_view", "student_view", "student_notebook", "setup"]

_BEGIN_SOLUTION = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
_END_SOLUTION = re.compile(r"^\s*### END SOLUTION\s*$")
_HIDDEN_TESTS = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$.*?^\s*### END HIDDEN TESTS\s*$\n?",
                           re.M | re.S)
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
#: Folder of the built book that holds the student notebooks.
STUDENT_FOLDER = "_student"


def reader_view(source: str) -> str:
    """``source`` without nbgrader's marker lines and hidden tests."""
    lines = _HIDDEN_TESTS.sub("", source).splitlines()
    kept = [line for line in lines if not (_BEGIN_SOLUTION.match(line)
                                           or _END_SOLUTION.match(line))]
    return "\n".join(kept).rstrip("\n")


def student_view(source: str) -> str:
    """``source`` as nbgrader releases it: each solution region replaced by a stub."""
    out, inside = [], False
    for line in _HIDDEN_TESTS.sub("", source).splitlines():
        begin = _BEGIN_SOLUTION.match(line)
        if begin:
            inside = True
            out += [begin.group(1) + stub for stub in STUB]
        elif _END_SOLUTION.match(line):
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out).rstrip("\n")


def student_notebook(notebook: dict) -> dict:
    """The student version of a chapter (a notebook as a dict), as nbgrader would release it.

    Solution regions become stubs, hidden tests go, a written answer cell becomes "YOUR ANSWER
    HERE", the experiment cells of worked solutions (tagged ``solution``) go, and no output is
    kept.
    """
    import copy

    student = copy.deepcopy(notebook)
    cells = []
    for cell in student["cells"]:
        metadata = cell.get("metadata", {})
        if "solution" in metadata.get("tags", []):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        is_answer = metadata.get("nbgrader", {}).get("solution", False)
        if cell["cell_type"] == "code":
            cell["source"] = student_view(source)
            cell["outputs"], cell["execution_count"] = [], None
        elif is_answer:
            cell["source"] = "YOUR ANSWER HERE"
        cells.append(cell)
    student["cells"] = cells
    return student


def _write_student_notebooks(app, exception) -> None:
    """Write each chapter's student notebook next to the built pages (``_student/``)."""
    if exception is not None or app.builder.format != "html":
        return
    import json
    from pathlib import Path

    target = Path(app.outdir) / STUDENT_FOLDER
    target.mkdir(exist_ok=True)
    for docname in app.env.found_docs:
        source = Path(app.env.doc2path(docname))
        if source.suffix == ".ipynb":
            notebook = student_notebook(json.loads(source.read_text()))
            (target / source.name).write_text(json.dumps(notebook, indent=1) + "\n")


def _add_download_link(app, doctree) -> None:
    """Under a chapter's title: a link to its student notebook."""
    from pathlib import PurePosixPath

    docname = app.env.docname
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    depth = len(PurePosixPath(docname).parts) - 1
    href = "../" * depth + f"{STUDENT_FOLDER}/{PurePosixPath(docname).name}.ipynb"
    link = nodes.reference("", "Download this chapter as a student notebook", refuri=href)
    link["classes"].append("d2l-student-download")
    title = next(iter(section.findall(nodes.title)))
    section.insert(section.index(title) + 1, nodes.paragraph("", "", link))


def _rewrite(app, doctree) -> None:
    student = app.config.d2l_opt_student_edition
    for cell in list(doctree.findall(nodes.container)):
        if cell.get("nb_element") != "cell_code":
            continue
        metadata = cell.get("cell_metadata", {})
        if student and "solution" in metadata.get("tags", []):
            cell.parent.remove(cell)
            continue
        is_answer = student and metadata.get("nbgrader", {}).get("solution", False)
        for part in list(cell.children):
            if is_answer and part.get("nb_element") == "cell_code_output":
                cell.remove(part)
        for block in cell.findall(nodes.literal_block):
            text = block.astext()
            new = student_view(text) if student else reader_view(text)
            if new != text:
                block.children = [nodes.Text(new)]
                block.rawsource = new


def setup(app):
    """Register the transform and its switch."""
    app.add_config_value("d2l_opt_student_edition", False, "env")
    app.connect("doctree-read", _rewrite)
    app.connect("doctree-read", _add_download_link)
    app.connect("build-finished", _write_student_notebooks)
