"""The student edition of the book, and the student notebooks every page links to.

Builds the student edition (``python -m d2l_opt.book.student_edition``, from the chapters'
stored outputs) into a temporary folder and reads every chapter page: no worked solution, no
solution code, no hidden test and no nbgrader marker may show; each coding answer is the stub
nbgrader gives students.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from d2l_opt.book.grading_cells import STUDENT_FOLDER, student_notebook
from d2l_opt.book.student_edition import ROOT, build

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


@pytest.fixture(scope="module")
def student_html(tmp_path_factory) -> Path:
    return build(ROOT, tmp_path_factory.mktemp("student"))


def solution_lines(chapter: str) -> list[str]:
    """Lines only a solution holds: in a solution region, and nowhere in the chapter's other code
    (a solution may well repeat a line of the text, such as ``data = load_airfoil()``)."""
    notebook = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    sources = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    public = "\n".join(SOLUTION.sub("", source) for source in sources)
    return [line.strip() for source in sources for block in SOLUTION.findall(source)
            for line in block.splitlines() if len(line.strip()) > 12 and line.strip() not in public]


def page_code(html: str) -> str:
    """The text of every code cell's source on a page."""
    blocks = re.findall(r'<div class="cell_input[^"]*".*?<pre>(.*?)</pre>', html, re.S)
    return "\n".join(re.sub(r"<[^>]+>", "", b) for b in blocks)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_pages_hold_no_solution(student_html, chapter):
    html = (student_html / "chapters" / f"{chapter}.html").read_text()
    assert 'class="solution' not in html, "a worked solution is shown"
    assert "BEGIN SOLUTION" not in html and "HIDDEN TESTS" not in html
    code = page_code(html).replace("&quot;", '"').replace("&#39;", "'").replace("&gt;", ">") \
        .replace("&lt;", "<").replace("&amp;", "&")
    leaked = [line for line in solution_lines(chapter) if line in code]
    assert leaked == [], f"solution code on the student page: {leaked[:3]}"
    assert "raise NotImplementedError()" in code, "no stub for the coding exercises"
    assert f"{STUDENT_FOLDER}/{chapter}.ipynb" in html, "no link to the student notebook"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_notebook_download(student_html, chapter):
    downloaded = json.loads((student_html / STUDENT_FOLDER / f"{chapter}.ipynb").read_text())
    instructor = json.loads((ROOT / "chapters" / f"{chapter}.ipynb").read_text())
    assert downloaded == student_notebook(instructor)
    text = json.dumps(downloaded)
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    assert all(not c.get("outputs") for c in downloaded["cells"] if c["cell_type"] == "code")
