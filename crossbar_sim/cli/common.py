"""What every command shares: the program name, argument parsers whose usage errors are one line, the
shared flags, reading an experiment file with ``--set`` overrides, and JSON output."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from crossbar_sim.study.config import ConfigError, ExperimentFile, read_experiment_file

PROG = "crossbar-sim"


class Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def common_flags() -> dict[str, argparse.ArgumentParser]:
    """Parent parsers for the flags several commands share, by name."""
    flags = {name: Parser(add_help=False) for name in ("json", "out", "seed", "exec", "quiet", "set")}
    flags["set"].add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                              dest="overrides",
                              help="override a key of the file (repeatable; YAML values), e.g. "
                                   "--set experiment.repeats=2 --set hardware.adc.bits=6")
    flags["json"].add_argument("--json", action="store_true", help="print a JSON document instead of text")
    flags["out"].add_argument("--out", metavar="PATH", help="output file (written only on success)")
    flags["seed"].add_argument("--seed", type=int, metavar="N",
                               help="base seed, >= 0 (default: the sweep's seed; 0 for run)")
    flags["exec"].add_argument("--workers", type=int, default=1, metavar="N",
                               help="parallel workers: local processes, or Dask workers with --dask local")
    flags["exec"].add_argument("--dask", metavar="ADDRESS|local",
                               help="run on a Dask scheduler at ADDRESS, or start a local cluster")
    flags["quiet"].add_argument("--quiet", action="store_true", help="no progress bar")
    return flags


def read_file(path: str, overrides: list[str] | None = None) -> ExperimentFile:
    """The experiment file at ``path`` with ``--set`` overrides; errors inside it name the file."""
    try:
        return read_experiment_file(path, overrides or ())
    except ConfigError as exc:
        if str(exc).startswith(path):
            raise
        raise ConfigError.problem(path, str(exc)) from None


def to_json(value: Any, indent: int | None = None) -> str:
    """Strict JSON of a result: numpy values converted, NaN and infinities written as null."""
    from crossbar_sim.study.sweep.store import to_json as store_json

    return store_json(value, indent)


def check_output(path: str | None, flag: str = "--out") -> None:
    """Refuse, before any work, an output path that is a directory (it would be renamed over)."""
    if path is not None and Path(path).is_dir():
        raise ConfigError(flag, path, "is a directory; name the file to write")
