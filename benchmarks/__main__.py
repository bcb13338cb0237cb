"""Run every ``benchmarks/bench_*.py`` module exposing ``run() -> list[str]`` and print its lines.

Optional arguments select modules by name (e.g. ``python -m benchmarks vmm``).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(selected: list[str]) -> None:
    here = Path(__file__).resolve().parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    for name in names:
        if selected and not any(s in name for s in selected):
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        for line in module.run():
            print(line, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
