"""The classroom edition with the real nbgrader: release every chapter, grade submissions.

Every chapter is released into its own course directory (nbgrader's gradebook takes one writer
at a time, so separate courses let chapters run side by side), in a temporary folder, never
under tests/ or chapters/ where nbval would collect it. In each, the instructor edition is
submitted by one student and the untouched student notebook by another. One more course,
driven through the command line as a teacher would, gets broken submissions.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from d2l_opt.classroom import CHAPTERS_DIR, grade, release

CHAPTERS = sorted(p.stem for p in CHAPTERS_DIR.glob("*.ipynb"))
SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)


def source_of(cell) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def nbgrader_cells(notebook: dict) -> dict[str, dict]:
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in notebook["cells"]
            if "nbgrader" in cell.get("metadata", {})}


def submit(course: Path, student: str, chapter: str, notebook: Path) -> None:
    folder = course / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, folder / f"{chapter}.ipynb")


def release_and_grade(root: Path, chapter: str):
    course = root / chapter
    release(course, [chapter], timeout=300)
    submit(course, "instructor", chapter, CHAPTERS_DIR / f"{chapter}.ipynb")
    submit(course, "untouched", chapter, course / "release" / chapter / f"{chapter}.ipynb")
    return {row.student_id: row for row in grade(course)}


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    root = tmp_path_factory.mktemp("courses")
    with ThreadPoolExecutor(max_workers=2) as pool:
        rows = dict(zip(CHAPTERS, pool.map(lambda c: release_and_grade(root, c), CHAPTERS)))
    return root, rows


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_two_autograded_exercises(chapter):
    cells = nbgrader_cells(json.loads((CHAPTERS_DIR / f"{chapter}.ipynb").read_text()))
    answers = [c for c in cells.values() if c["cell_type"] == "code" and
               c["metadata"]["nbgrader"]["solution"] and SOLUTION.search(source_of(c))]
    tests = [c for c in cells.values() if c["cell_type"] == "code" and
             c["metadata"]["nbgrader"]["grade"] and c["metadata"]["nbgrader"]["points"] > 0]
    assert len(answers) >= 2 and len(tests) >= 2, f"{chapter}: {len(answers)} coding " \
        f"answers and {len(tests)} graded test cells"
    assert all(HIDDEN.search(source_of(c)) for c in tests), "every test cell has hidden tests"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_holds_no_solution_and_no_hidden_test(courses, chapter):
    root, _ = courses
    instructor = nbgrader_cells(json.loads((CHAPTERS_DIR / f"{chapter}.ipynb").read_text()))
    released_path = root / chapter / "release" / chapter / f"{chapter}.ipynb"
    released = nbgrader_cells(json.loads(released_path.read_text()))
    assert "BEGIN HIDDEN TESTS" not in released_path.read_text()
    for grade_id, cell in instructor.items():
        text, source = source_of(released[grade_id]), source_of(cell)
        public = HIDDEN.sub("", SOLUTION.sub("", source))  # what the student may see anyway
        secret = [line.strip() for block in SOLUTION.findall(source) + HIDDEN.findall(source)
                  for line in block.splitlines() if line.strip() and line.strip() not in public]
        leaked = [line for line in secret if line in text]
        assert leaked == [], f"{grade_id}: the student notebook shows {leaked}"
        meta = cell["metadata"]["nbgrader"]
        if cell["cell_type"] == "markdown" and meta["solution"]:
            assert text == "YOUR ANSWER HERE", f"{grade_id}: the written answer was released"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_instructor_edition_gets_full_marks_and_the_release_none(courses, chapter):
    _, rows = courses
    full, empty = rows[chapter]["instructor"], rows[chapter]["untouched"]
    assert full.auto_max_score > 0
    assert (full.auto_score, full.status) == (full.auto_max_score, "ok"), full
    assert empty.auto_score == 0 and empty.auto_max_score == full.auto_max_score, empty
    assert empty.status.startswith("failed "), empty


def test_broken_submissions_get_a_clear_row_and_do_not_stop_the_others(tmp_path):
    chapter = "adadelta" if "adadelta" in CHAPTERS else CHAPTERS[0]
    course = tmp_path / "course"
    run = [sys.executable, "-m", "d2l_opt.classroom"]
    subprocess.run(run + ["release", str(course), chapter, "--timeout", "300"], check=True,
                   capture_output=True, text=True)
    released = course / "release" / chapter / f"{chapter}.ipynb"
    notebook = json.loads(released.read_text())
    answer = next(c for c in notebook["cells"] if c["cell_type"] == "code"
                  and c["metadata"].get("nbgrader", {}).get("solution"))

    def variant(student: str, code: str | None, raw: str | None = None) -> None:
        folder = course / "submitted" / student / chapter
        folder.mkdir(parents=True)
        if raw is not None:
            (folder / f"{chapter}.ipynb").write_text(raw)
            return
        answer["source"] = code
        (folder / f"{chapter}.ipynb").write_text(json.dumps(notebook))

    variant("loops", "while True:\n    pass")
    variant("syntax", "def broken(:\n    return")
    variant("garbage", None, raw='{"cells": [ this is not json')
    submit(course, "zinstructor", chapter, CHAPTERS_DIR / f"{chapter}.ipynb")
    before = {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")}
    result = subprocess.run(run + ["grade", str(course), "--timeout", "20"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    with open(course / "grades.csv") as table:
        rows = {row["student_id"]: row for row in csv.DictReader(table)}
    assert set(rows) == {"loops", "syntax", "garbage", "zinstructor"}
    assert rows["loops"]["status"].startswith("timed out in cell")
    assert rows["syntax"]["status"].startswith("failed ")
    assert rows["garbage"]["status"] == "not a notebook (NotJSONError), not graded"
    for student in ("loops", "syntax", "garbage"):
        assert float(rows[student]["auto_score"]) == 0, rows[student]
    assert float(rows["zinstructor"]["auto_score"]) == float(rows["zinstructor"]["auto_max_score"]) > 0
    assert rows["zinstructor"]["status"] == "ok"
    for student in rows:
        assert re.search(rf"^{student}\s+{chapter}\s", result.stdout, re.M), result.stdout
    assert {p: p.read_bytes() for p in (course / "submitted").rglob("*.ipynb")} == before
