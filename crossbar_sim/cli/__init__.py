"""The ``crossbar-sim`` command line: run | sweep | validate | keys | export | compare | plot | info.

Bad input of any kind ends with one line on stderr and exit code 2; outputs are written to a
temporary file and renamed only on success. Each module adds its subcommands (``add_commands``).
"""

from __future__ import annotations

import argparse
import os
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``crossbar-sim``; returns the exit code (2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.handler(args)
    except (ConfigError, ParameterError, DatasetError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"{PROG}: error: {where}{exc.strerror or exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished points are saved, run again to resume", file=sys.stderr)
        return 130
    return 2
