"""Release the chapters as assignments and grade what students hand in, with nbgrader.

Two commands, one per step of a course::

    python -m d2l_opt.classroom release COURSE_DIR [CHAPTER ...]
    python -m d2l_opt.classroom grade COURSE_DIR [--timeout SECONDS]

``release`` makes an nbgrader course directory (``nbgrader_config.py``, and the instructor
edition of each chapter as ``source/<chapter>/<chapter>.ipynb``, less the cells tagged
``solution`` that only instructors see) and runs ``nbgrader generate_assignment``: the student
notebooks land in ``release/<chapter>/``, with every solution replaced by a stub and every hidden
test removed. The assignment's name is the chapter's file
name (``sgd``, ``momentum``, ...).

``grade`` runs ``nbgrader autograde`` on each submission in nbgrader's layout
(``submitted/<student>/<chapter>/<chapter>.ipynb``), one at a time, and writes
``COURSE_DIR/grades.csv`` (``student_id, assignment, auto_score, auto_max_score, status``) and
prints it as a table. Only autograded points are counted; written answers are graded by hand in
nbgrader's formgrader. A submission that raises, loops forever (each cell has ``--timeout``
seconds) or is not a notebook scores 0 for what fails, gets a line that says why, and the run
goes on. Nothing under ``submitted/`` is changed.

Autograding executes the students' code with the grader's rights: run it in a container.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from .data import DATA_DIR_VARIABLE
from .headless import NO_WIDGETS_VARIABLE

__all__ = ["CHAPTERS_DIR", "release", "grade", "GradeRow", "main"]

#: The instructor edition: the book's chapters, with solutions and nbgrader metadata.
CHAPTERS_DIR = Path(__file__).resolve().parent.parent / "chapters"
CONFIG = """\
# nbgrader configuration of a course made by `python -m d2l_opt.classroom release`.
c = get_config()
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course!r}
# Each cell of a submission may run this many seconds before it is interrupted.
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
"""
COLUMNS = ("student_id", "assignment", "auto_score", "auto_max_score", "status")


class GradeRow(NamedTuple):
    """One line of ``grades.csv``."""

    student_id: str
    assignment: str
    auto_score: float
    auto_max_score: float
    status: str


def _environment() -> dict[str, str]:
    """nbgrader's environment: headless kernels, the data folder, and this Python's tools.

    nbgrader's database migration runs ``alembic`` by name, so the running interpreter's
    ``bin/`` must be on ``PATH`` even in a virtual environment that was never activated.
    """
    env = dict(os.environ)
    env[NO_WIDGETS_VARIABLE] = "1"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if DATA_DIR_VARIABLE in os.environ:
        env[DATA_DIR_VARIABLE] = str(Path(os.environ[DATA_DIR_VARIABLE]).expanduser().resolve())
    return env


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course,
                          env=_environment(), capture_output=True, text=True)


def _chapters(names: list[str] | None, chapters_dir: Path) -> list[Path]:
    available = {p.stem: p for p in sorted(chapters_dir.glob("*.ipynb"))}
    if not names:
        return list(available.values())
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"no chapter named {', '.join(unknown)}; the chapters are "
                         f"{', '.join(available)}")
    return [available[n] for n in names]


def _write_config(course: Path, timeout: int) -> None:
    (course / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(course), course=course.name, timeout=int(timeout)))


def _for_nbgrader(chapter: Path) -> dict:
    """The chapter without its instructor-only cells (tagged ``solution``): the worked
    solutions of coding exercises, which nbgrader would otherwise hand out as they are."""
    notebook = json.loads(chapter.read_text())
    notebook["cells"] = [cell for cell in notebook["cells"]
                         if "solution" not in cell.get("metadata", {}).get("tags", [])]
    return notebook


def release(course_dir: str | Path, chapters: list[str] | None = None, *,
            chapters_dir: Path = CHAPTERS_DIR, timeout: int = 120) -> list[Path]:
    """Make (or update) an nbgrader course and generate the student version of each chapter.

    Args:
        course_dir: the course directory; created if needed.
        chapters: chapter names (``sgd``, ``adam``, ...); all chapters when empty.
        chapters_dir: where the instructor edition lives.
        timeout: seconds each cell of a submission may run when it is graded.
    Returns:
        The paths of the student notebooks, ``release/<chapter>/<chapter>.ipynb``.

    Example: ``release("/tmp/course", ["sgd"])``.
    """
    course = Path(course_dir).expanduser().resolve()
    course.mkdir(parents=True, exist_ok=True)
    _write_config(course, timeout)
    released = []
    for chapter in _chapters(chapters, chapters_dir):
        source = course / "source" / chapter.stem
        source.mkdir(parents=True, exist_ok=True)
        (source / chapter.name).write_text(json.dumps(_for_nbgrader(chapter), indent=1) + "\n")
        result = _nbgrader(course, "generate_assignment", chapter.stem, "--force")
        target = course / "release" / chapter.stem / chapter.name
        if result.returncode != 0 or not target.is_file():
            raise RuntimeError(f"nbgrader generate_assignment {chapter.stem} failed:\n"
                               f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        released.append(target)
    return released


def _max_autograded_points(notebook: dict) -> float:
    return float(sum(cell["metadata"]["nbgrader"].get("points", 0)
                     for cell in notebook["cells"]
                     if cell["cell_type"] == "code"
                     and cell.get("metadata", {}).get("nbgrader", {}).get("grade")))


def _problems(autograded: Path) -> str:
    """What went wrong in an autograded notebook, in words: timeouts and failed tests."""
    notebook = json.loads(autograded.read_text())
    timeouts, failed = [], []
    for index, cell in enumerate(notebook["cells"]):
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if any(o.get("ename") == "CellTimeoutError" for o in errors):
            timeouts.append(str(index))
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if errors and meta.get("grade") and cell["cell_type"] == "code":
            failed.append(meta.get("grade_id", str(index)))
    words = []
    if timeouts:
        words.append(f"timed out in cell {', '.join(timeouts)}")
    if failed:
        words.append(f"failed {', '.join(failed)}")
    return "; ".join(words) or "ok"


def _scores(course: Path, assignment: str, student: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(assignment, student)
        grades = [g for nb in submission.notebooks for g in nb.grades
                  if g.cell.cell_type == "code"]
        return (float(sum(g.auto_score or 0.0 for g in grades)),
                float(sum(g.max_score for g in grades)))


def _grade_one(course: Path, student: str, assignment: str) -> GradeRow:
    folder = course / "submitted" / student / assignment
    source = course / "source" / assignment / f"{assignment}.ipynb"
    maximum = _max_autograded_points(json.loads(source.read_text())) if source.is_file() else 0.0
    submitted = folder / f"{assignment}.ipynb"
    if not submitted.is_file():
        return GradeRow(student, assignment, 0.0, maximum, f"no {submitted.name} in {folder}")
    try:
        import nbformat

        nbformat.validate(nbformat.reads(submitted.read_text(), as_version=4))
    except Exception as error:  # not JSON, not a notebook, or not valid nbformat
        return GradeRow(student, assignment, 0.0, maximum,
                        f"not a notebook ({type(error).__name__}), not graded")
    result = _nbgrader(course, "autograde", assignment, "--student", student, "--force")
    autograded = course / "autograded" / student / assignment / submitted.name
    if result.returncode != 0 or not autograded.is_file():
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:] or [""]
        return GradeRow(student, assignment, 0.0, maximum, f"autograde failed: {last[0]}")
    score, max_score = _scores(course, assignment, student)
    return GradeRow(student, assignment, score, max_score, _problems(autograded))


def grade(course_dir: str | Path, *, timeout: int | None = None) -> list[GradeRow]:
    """Autograde every submission of a course and write ``grades.csv``.

    Args:
        course_dir: a course made by :func:`release`, with submissions under ``submitted/``.
        timeout: seconds each cell may run (default: the course's, 120 at release).
    Returns:
        One :class:`GradeRow` per submission, sorted by student and assignment.

    Example: ``grade("/tmp/course")``.
    """
    course = Path(course_dir).expanduser().resolve()
    if not (course / "nbgrader_config.py").is_file():
        raise ValueError(f"{course} is not a course directory (no nbgrader_config.py): make it "
                         "with `python -m d2l_opt.classroom release`")
    if timeout is not None:
        _write_config(course, timeout)
    submitted = course / "submitted"
    rows = [_grade_one(course, student.name, assignment.name)
            for student in sorted(p for p in submitted.glob("*") if p.is_dir())
            for assignment in sorted(p for p in student.glob("*") if p.is_dir())]
    with open(course / "grades.csv", "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return rows


def format_table(rows: list[GradeRow]) -> str:
    """The rows as a plain-text table, one line per submission."""
    table = [COLUMNS] + [(r.student_id, r.assignment, f"{r.auto_score:g}",
                          f"{r.auto_max_score:g}", r.status) for r in rows]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(COLUMNS) - 1)]
    return "\n".join("  ".join(str(v).ljust(w) for v, w in zip(line, widths)) + "  " + line[-1]
                     for line in table)


def main(argv: list[str] | None = None) -> int:
    """The command line: ``release`` and ``grade``."""
    parser = argparse.ArgumentParser(prog="python -m d2l_opt.classroom",
                                     description="Hand out the book's chapters and grade them "
                                                 "with nbgrader.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("release", help="make the student notebooks of a course")
    make.add_argument("course_dir")
    make.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    make.add_argument("--timeout", type=int, default=120,
                      help="seconds a cell may run when graded (default 120)")
    mark = commands.add_parser("grade", help="autograde every submission, write grades.csv")
    mark.add_argument("course_dir")
    mark.add_argument("--timeout", type=int, default=None,
                      help="seconds a cell may run (default: as set at release)")
    args = parser.parse_args(argv)
    if args.command == "release":
        for path in release(args.course_dir, args.chapters, timeout=args.timeout):
            print(f"released {path}")
        return 0
    rows = grade(args.course_dir, timeout=args.timeout)
    print(format_table(rows))
    print(f"wrote {Path(args.course_dir).expanduser().resolve() / 'grades.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
