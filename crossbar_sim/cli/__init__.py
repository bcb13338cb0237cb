"""The ``crossbar-sim`` command line: run | sweep | validate | keys | export | compare | plot | info.

Bad input of any kind ends with one line on stderr and exit code 2 (bad configuration, parameters,
datasets, downloads, results databases, files that cannot be read or decoded, too little memory);
outputs are written to a temporary file and renamed only on success. Each module adds its
subcommands (``add_commands``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys

from crossbar_sim.cli import data, experiments, info, results, tune
from crossbar_sim.cli.common import PROG, Parser, common_flags
from crossbar_sim.esgnn.datasets.errors import DatasetError
from crossbar_sim.study.config import ConfigError
from device_models.errors import ParameterError

COMMAND_MODULES = (experiments, tune, results, data, info)

MAIN_EPILOG = """\
examples: (from a checkout; datasets are read from $CROSSBAR_SIM_DATA)
  crossbar-sim validate experiments/sweeps/read_noise.yaml   # check a file, count its sweep points
  crossbar-sim run experiments/paper/mutag.yaml --json       # one experiment, metrics as JSON
  crossbar-sim sweep experiments/sweeps/read_noise.yaml --workers 2   # into results/<sweep name>.sqlite
  crossbar-sim export results/mutag_read_noise.sqlite --csv results/read_noise.csv
  crossbar-sim plot metric results/mutag_read_noise.sqlite --metric accuracy.mean \\
      --x hardware.read_noise.relative_sigma
  crossbar-sim compare results/mutag_read_noise.sqlite       # each point minus the reference, 95 % CI
  crossbar-sim info                                          # versions, data paths, numba, ngspice

An experiment file has a top-level `experiment:` mapping (the experiment's config), an optional
`runner:` (default esgnn; plugins add others) and an optional `sweep:` section:

  experiment:
    workload: {dataset: MUTAG}
    hardware:
      array: {read_voltage_mV: 150}   # unit suffixes are converted to SI (read_voltage_V = 0.15)
  sweep:
    repeats: 3                  # runs per parameter set (seeds)
    pairing: paired             # default: repeat r has one seed at every point (the same chips);
                                # independent: a seed per point (new chips at every point)
    reference: {hardware.adc.bits: 8}   # the point `compare` and `plot diff` subtract (default: first values)
    grid:                       # Cartesian product of axes over dotted key paths
      hardware.read_noise.relative_sigma: {start: 0, stop: 0.1, num: 5}
      hardware.adc.bits: [6, 8]
    zip:                        # advanced together (equal lengths)
      hardware.array.wires.wordline_segment_ohm: [0.5, 1, 2]
      hardware.array.wires.bitline_segment_ohm: [0.5, 1, 2]

A results database belongs to one sweep: another one (other name, runner or swept keys, or a changed
base config) is refused unless `sweep --append`. validate, run and sweep refuse a run whose estimated
peak memory exceeds $CROSSBAR_SIM_MEMORY_LIMIT_GB (gigabytes; default 80 % of the physical memory).
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``crossbar-sim``."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = Parser(prog=PROG, epilog=MAIN_EPILOG, formatter_class=fmt,
                    description="Simulate analogue RRAM crossbars running echo state graph networks.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    flags = common_flags()
    for module in COMMAND_MODULES:
        module.add_commands(sub, flags, fmt)
    return parser


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def _os_error(exc: OSError) -> str:
    """``path: reason`` of an OSError (both paths of a rename), else its message."""
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    reason = exc.strerror or str(exc) or type(exc).__name__
    return ": ".join([" -> ".join(paths), reason] if paths else [reason])


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``crossbar-sim``; returns the exit code (2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.handler(args)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished points are saved, run again to resume", file=sys.stderr)
        return 130
    except (ConfigError, ParameterError, DatasetError) as exc:
        message = str(exc)
    except UnicodeDecodeError as exc:
        message = f"cannot decode text as {exc.encoding} (byte {exc.start}: {exc.reason})"
    except sqlite3.DatabaseError as exc:
        message = f"results database: {exc}"
    except OSError as exc:  # DownloadError and DatasetNotFound included
        message = _os_error(exc)
    except MemoryError:
        message = "out of memory; make the experiment smaller (`crossbar-sim validate` estimates its peak)"
    print(f"{PROG}: error: {_one_line(message)}", file=sys.stderr)
    return 2
