"""Execute every notebook in notebooks/ and store it with its outputs and figures (``make notebooks``).

Each runs top to bottom in a temporary working folder (the files it writes go there, not into the
repository), with the current environment's python3 kernel; the executed notebook replaces the stored
one only if every cell ran.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def execute(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as workdir:
        NotebookClient(book, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": workdir}}).execute()
    nbformat.write(book, path)


if __name__ == "__main__":
    for notebook in sorted(NOTEBOOKS.glob("*.ipynb")) if len(sys.argv) < 2 else map(Path, sys.argv[1:]):
        execute(notebook)
        print(f"executed {notebook}")
