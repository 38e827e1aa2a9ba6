"""Execute chapters in place, headless, from their own folder, as the build and nbval do."""
from __future__ import annotations

from pathlib import Path

from ..headless import run_headless


def execute(path: str | Path, timeout: int = 600) -> None:
    """Execute the notebook at ``path`` and store its outputs in it.

    Args:
        path: a chapter, e.g. ``chapters/sgd.ipynb``.
        timeout: seconds one cell may take.

    Example: ``execute("chapters/sgd.ipynb")``.
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    run_headless()
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3", coalesce_streams=True,
                   resources={"metadata": {"path": str(path.parent.resolve())}}).execute()
    nbformat.write(notebook, path)
