"""The device layer knows nothing of crossbars: no module of device_models imports crossbar_sim."""

from __future__ import annotations

import ast
from pathlib import Path

import device_models

PACKAGE = Path(device_models.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_device_models_does_not_import_crossbar_sim() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 9
    offenders = {f.name: m for f in files for m in imported_modules(f)
                 if m == "crossbar_sim" or m.startswith("crossbar_sim.")}
    assert offenders == {}


def test_scanner_sees_crossbar_imports(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import numpy\nfrom crossbar_sim.ledger import EventLedger\n")
    assert "crossbar_sim.ledger" in imported_modules(probe)
