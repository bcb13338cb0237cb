"""Every ``sh`` block of the README runs as written in a fresh shell (bash, this checkout as the working
folder, after ``make demo``), except the blocks of ``make`` commands, which are the setup itself (CI runs
``make test``) and the blocks marked ``# needs the network`` (the tests have none); every ``python``
block runs in the venv's Python."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks() -> list[str]:
    return PYTHON_BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))


def sh_blocks() -> list[str]:
    blocks = BLOCK.findall((REPO / "README.md").read_text(encoding="utf-8"))
    def setup_only(block: str) -> bool:
        return all(line.strip().startswith(("make ", "#")) or not line.strip() for line in block.splitlines())

    return [b for b in blocks if "# needs the network" not in b and not setup_only(b)]


def test_the_readme_has_command_blocks() -> None:
    assert len(sh_blocks()) >= 2


@pytest.mark.xdist_group("readme")
@pytest.mark.parametrize("index", range(len(sh_blocks())))
def test_readme_block_runs(index: int, datasets_dir: Path) -> None:
    if not (REPO / ".venv" / "bin" / "activate").is_file() or Path(sys.prefix) != REPO / ".venv":
        pytest.skip("the README's commands use the .venv that make creates")
    env = {k: v for k, v in os.environ.items() if k not in ("CROSSBAR_SIM_RUNNERS", "PYTHONPATH")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # a fresh shell: the venv is activated by the block itself
    block = sh_blocks()[index]
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"README block {index}:\n{block}\n--- stderr ---\n{proc.stderr[-3000:]}"


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_readme_python_block_runs(index: int, tmp_path: Path, datasets_dir: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", python_blocks()[index]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, f"README python block {index}:\n{proc.stderr[-3000:]}"
