"""Build the student edition of the book: every worked solution removed.

``python -m d2l_opt.book.student_edition`` builds the book once more into
``_build/student/_build/html/``, with sphinx-exercise's ``hide_solutions``, each coding
exercise's solution replaced by nbgrader's stub and the experiment cells of worked solutions
removed (:mod:`d2l_opt.book.grading_cells`). It shows the outputs the chapters store (the tests
prove them equal to a fresh run) instead of executing the chapters again.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def student_config(root: Path = ROOT) -> dict:
    """The book's ``_config.yml`` with the student edition's settings on top."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] = f"{config['title']} (student edition)"
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config.update(hide_solutions=True, d2l_opt_student_edition=True)
    return config


def build(root: Path = ROOT, output: Path | None = None) -> Path:
    """Build the student edition; return the folder of its HTML.

    Example: ``build()`` returns ``ROOT / "_build/student/_build/html"``.
    """
    output = output or root / "_build" / "student"
    output.mkdir(parents=True, exist_ok=True)
    config_path = output / "student_config.yml"
    config_path.write_text(yaml.safe_dump(student_config(root), sort_keys=False))
    command = Path(sys.executable).parent / "jupyter-book"
    subprocess.run([str(command), "build", str(root), "--config", str(config_path),
                    "--path-output", str(output), "-W", "-n", "--keep-going"], check=True)
    return output / "_build" / "html"


if __name__ == "__main__":
    print(f"student edition: {build() / 'index.html'}")
