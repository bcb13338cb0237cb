"""`crossbar-sim info`: versions, data paths, numba threading and external tools."""

from __future__ import annotations

import argparse
import os
from typing import Any

from crossbar_sim.cli.common import to_json


def add_commands(sub: argparse._SubParsersAction, f: dict[str, argparse.ArgumentParser],
                 fmt: type[argparse.HelpFormatter]) -> None:
    """Add this module's subcommands to ``sub`` (``f``: the shared flag parsers)."""
    p = sub.add_parser("info", parents=[f["json"]], help="versions, data paths, numba threads, ngspice",
                       description="Print what this installation uses.")
    p.set_defaults(handler=_cmd_info)


def _collect_info() -> dict[str, dict[str, Any]]:
    """Versions, data locations, numba threading and external tools of this installation."""
    import platform
    import shutil
    from importlib import metadata

    import numba

    from crossbar_sim.common import data_paths
    from crossbar_sim.common.version import __version__
    from crossbar_sim.study.config import runner_names

    versions = {"crossbar-sim": __version__, "python": platform.python_version()}
    for package in ("numpy", "scipy", "numba", "matplotlib", "pyyaml", "dask", "distributed"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    paper = os.environ.get("CROSSBAR_SIM_PAPER_DATA")
    return {
        "versions": versions,
        "data": {"data_root": str(data_paths.data_root()), f"${data_paths.ENV_VAR}":
                 os.environ.get(data_paths.ENV_VAR, "(unset)"), "cache": str(data_paths.default_cache_dir()),
                 "$CROSSBAR_SIM_PAPER_DATA": paper or "(unset)"},
        "numba": {"threads": numba.get_num_threads(), "max_threads": numba.config.NUMBA_NUM_THREADS,
                  "threading_layer": numba.config.THREADING_LAYER},
        "tools": {"ngspice": shutil.which("ngspice") or "not found", "cpu_count": os.cpu_count(),
                  "runners": ", ".join(runner_names())},
    }


def _cmd_info(args: argparse.Namespace) -> int:
    info = _collect_info()
    if args.json:
        print(to_json(info, indent=2))
    else:
        for section, values in info.items():
            print(f"{section}:")
            for key, value in values.items():
                print(f"  {key:<26} {value}")
    return 0
