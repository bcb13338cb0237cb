"""The package's layers: imports flow one way, and nothing in the product exists only for the tests.

The order (README, *Layout*): device_models → common → circuit → periphery → mapping → analog → energy
→ esgnn → study → plots → the application (cli, demo and the package's public face). A module may
import its own layer and the layers before it, never a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LAYERS = ("device_models", "crossbar_sim.common", "crossbar_sim.circuit", "crossbar_sim.periphery",
          "crossbar_sim.mapping", "crossbar_sim.analog", "crossbar_sim.energy", "crossbar_sim.esgnn",
          "crossbar_sim.study", "crossbar_sim.plots", "crossbar_sim")
PRODUCT = sorted([*(REPO / "device_models").rglob("*.py"), *(REPO / "crossbar_sim").rglob("*.py")])


def layer_of(module: str) -> int:
    """Index in LAYERS of the most specific layer containing ``module``; -1 for outside modules."""
    best = -1
    for index, name in enumerate(LAYERS):
        if (module == name or module.startswith(name + ".")) and (best < 0 or len(name) > len(LAYERS[best])):
            best = index
    return best


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    path = REPO / Path(*dotted.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file, including those inside functions."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from crossbar_sim import x`` may name a subpackage: judge by the submodule then
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                      if _is_module(f"{target}.{alias.name}")]
    return found


def test_every_product_module_lies_in_a_layer() -> None:
    assert all(layer_of(module_name(p)) >= 0 for p in PRODUCT)


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(REPO)))
def test_imports_flow_one_way(path: Path) -> None:
    own = layer_of(module_name(path))
    application = own == len(LAYERS) - 1
    against = [f"line {line}: {target} ({LAYERS[layer_of(target)]})"
               for line, target in imported_modules(path)
               if layer_of(target) > own or (not application and target == "crossbar_sim")]
    assert not against, f"{module_name(path)} ({LAYERS[own]}) imports a later layer: " + "; ".join(against)


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The walk resolves relative imports and would catch an upward one."""
    assert layer_of("crossbar_sim.circuit.irdrop") < layer_of("crossbar_sim.analog.matrix")
    assert layer_of("crossbar_sim.cli") == len(LAYERS) - 1
    assert layer_of("numpy") == -1
    fake = REPO / "crossbar_sim" / "circuit" / "fake.py"
    source = "from ..analog import matrix\nfrom . import wires\n"
    tree_targets = []
    original = Path.read_text
    try:
        Path.read_text = lambda self, *a, **k: source if self == fake else original(self, *a, **k)
        tree_targets = imported_modules(fake)
    finally:
        Path.read_text = original
    assert (1, "crossbar_sim.analog") in tree_targets and (2, "crossbar_sim.circuit") in tree_targets
    assert layer_of("crossbar_sim.analog") > layer_of(module_name(fake))


def test_no_product_module_is_only_used_by_tests() -> None:
    """Every product module is imported by another product module, the CLI entry point or the public face."""
    imported: set[str] = set()
    for path in PRODUCT:
        for _, target in imported_modules(path):
            parts = target.split(".")
            imported |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
    from crossbar_sim import EXPORTS

    imported |= set(EXPORTS.values())  # the public face loads these on first use
    entry_points = {"crossbar_sim", "crossbar_sim.__main__", "crossbar_sim.demo", "device_models"}
    unused = [module_name(p) for p in PRODUCT
              if module_name(p) not in imported and module_name(p) not in entry_points]
    assert not unused, f"modules no product code imports: {unused}"


def test_a_fresh_shell_sees_no_test_runner() -> None:
    """Without the tests' plugin variable, --help and info offer only the product's runners."""
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CROSSBAR_SIM_RUNNERS"}
    env["PYTHONPATH"] = str(REPO)
    info = subprocess.run([sys.executable, "-m", "crossbar_sim", "info", "--json"], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(info.stdout)["tools"]["runners"] == "esgnn"
    helptext = subprocess.run([sys.executable, "-m", "crossbar_sim", "--help"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=120, check=True).stdout
    assert "toy" not in helptext


def test_public_face_names_resolve() -> None:
    import crossbar_sim

    for name in crossbar_sim.EXPORTS:
        assert getattr(crossbar_sim, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        crossbar_sim.nope  # noqa: B018
