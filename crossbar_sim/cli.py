"""The ``crossbar-sim`` command line: run | sweep | plot | export | validate | info.

Bad input of any kind ends with one line on stderr and exit code 2; outputs are written to a
temporary file and renamed only on success.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from crossbar_sim.study.config import ConfigError, ExperimentFile, dump_dataclass, read_experiment_file
from device_models.errors import ParameterError

PROG = "crossbar-sim"

MAIN_EPILOG = """\
examples: (from a checkout; datasets are read from $CROSSBAR_SIM_DATA)
  crossbar-sim validate experiments/sweeps/read_noise.yaml   # check a file, count its sweep points
  crossbar-sim run experiments/paper/mutag.yaml --json       # one experiment, metrics as JSON
  crossbar-sim sweep experiments/sweeps/read_noise.yaml --workers 2   # into results/<sweep name>.sqlite
  crossbar-sim export results/mutag_read_noise.sqlite --csv results/read_noise.csv
  crossbar-sim plot metric results/mutag_read_noise.sqlite --metric accuracy.mean \\
      --x hardware.read_noise.relative_sigma
  crossbar-sim info                                          # versions, data paths, numba, ngspice

An experiment file has a top-level `experiment:` mapping (the experiment's config), an optional
`runner:` (default esgnn; plugins add others) and an optional `sweep:` section:

  experiment:
    workload: {dataset: MUTAG}
    hardware:
      array: {read_voltage_mV: 150}   # unit suffixes are converted to SI (read_voltage_V = 0.15)
  sweep:
    repeats: 3                  # runs per parameter set, each with its own derived seed
    grid:                       # Cartesian product of axes over dotted key paths
      hardware.read_noise.relative_sigma: {start: 0, stop: 0.1, num: 5}
      hardware.adc.bits: [6, 8]
    zip:                        # advanced together (equal lengths)
      hardware.array.wires.wordline_segment_ohm: [0.5, 1, 2]
      hardware.array.wires.bitline_segment_ohm: [0.5, 1, 2]
"""


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _common_flags() -> dict[str, argparse.ArgumentParser]:
    flags = {name: _Parser(add_help=False) for name in ("json", "out", "seed", "exec", "quiet", "set")}
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``crossbar-sim``."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog=PROG, epilog=MAIN_EPILOG, formatter_class=fmt,
                     description="Simulate analogue RRAM crossbars running echo state graph networks.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    f = _common_flags()

    p = sub.add_parser("run", parents=[f["json"], f["out"], f["seed"], f["quiet"], f["set"]],
                       formatter_class=fmt,
                       help="run one experiment and print its metrics",
                       description="Run the base experiment of CONFIG once (a sweep section is ignored).",
                       epilog="examples:\n  crossbar-sim run exp.yaml\n"
                              "  crossbar-sim run exp.yaml --seed 3 --json --out results/exp.json")
    p.add_argument("config", metavar="CONFIG", help="experiment YAML file")
    p.set_defaults(handler=_cmd_run)

    p = sub.add_parser("sweep", parents=[f["json"], f["seed"], f["exec"], f["quiet"], f["set"]],
                       formatter_class=fmt,
                       help="run every point of a sweep into an SQLite database (resumable)",
                       description="Run all points of FILE's sweep. Finished points are skipped, so an "
                                   "interrupted or partly failed sweep is completed by running it again.",
                       epilog="examples:\n  crossbar-sim sweep noise.yaml\n"
                              "  crossbar-sim sweep noise.yaml --workers 2 --db results/noise.sqlite\n"
                              "  crossbar-sim sweep noise.yaml --dask tcp://10.0.0.5:8786\n"
                              "  crossbar-sim sweep noise.yaml --dask local --workers 4")
    p.add_argument("file", metavar="FILE", help="experiment YAML file with a sweep: section")
    p.add_argument("--db", "--out", dest="db", metavar="PATH",
                   help="results database (default: results/<sweep name>.sqlite)")
    p.set_defaults(handler=_cmd_sweep)

    p = sub.add_parser("validate", parents=[f["json"], f["seed"], f["set"]], formatter_class=fmt,
                       help="check a config or sweep file and count its points",
                       description="Check FILE completely (every sweep point is built) without running it.",
                       epilog="example:\n  crossbar-sim validate noise.yaml")
    p.add_argument("file", metavar="FILE", help="experiment YAML file")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("export", parents=[f["quiet"]], formatter_class=fmt,
                       help="write a results database as CSV",
                       description="One CSV row per point: parameters as param.<key>, metrics flattened to "
                                   "dotted columns (accuracy.mean, energy.analog_J, ...).",
                       epilog="example:\n  crossbar-sim export results/noise.sqlite --csv results/noise.csv")
    p.add_argument("db", metavar="DB", help="results database written by `crossbar-sim sweep`")
    p.add_argument("--csv", "--out", dest="out", required=True, metavar="PATH", help="CSV file to write")
    p.set_defaults(handler=_cmd_export)

    p = sub.add_parser("plot", formatter_class=fmt, help="plot sweep results or an energy comparison",
                       description="Plot kinds: metric (vs one swept parameter, mean ± 95 % CI over seeds), "
                                   "heatmap (two swept parameters), energy (a `run --out` JSON result), "
                                   "arrays (a config's formed tiles and their IR-drop map).",
                       epilog="examples:\n"
                              "  crossbar-sim plot metric results/noise.sqlite --metric accuracy.mean --x x\n"
                              "  crossbar-sim plot heatmap results/noise.sqlite --metric accuracy.mean "
                              "--x x --y noise.sigma\n"
                              "  crossbar-sim plot energy results/exp.json --out energy.png\n"
                              "  crossbar-sim plot arrays experiments/paper/mutag.yaml --out w_h")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    k = kinds.add_parser("metric", parents=[f["out"]], help="metric against a swept parameter")
    k.add_argument("db", metavar="DB")
    k.add_argument("--metric", required=True, help="dotted metric name, e.g. accuracy.mean")
    k.add_argument("--x", required=True, help="swept parameter for the x axis")
    k.set_defaults(handler=_cmd_plot_metric)
    k = kinds.add_parser("heatmap", parents=[f["out"]], help="metric over two swept parameters")
    k.add_argument("db", metavar="DB")
    k.add_argument("--metric", required=True, help="dotted metric name, e.g. accuracy.mean")
    k.add_argument("--x", required=True, help="swept parameter for the x axis")
    k.add_argument("--y", required=True, help="swept parameter for the y axis")
    k.set_defaults(handler=_cmd_plot_heatmap)
    k = kinds.add_parser("energy", parents=[f["out"]], help="analogue vs GPU energy of one run")
    k.add_argument("result", metavar="RESULT.json", help="JSON written by `crossbar-sim run --out`")
    k.set_defaults(handler=_cmd_plot_energy)
    k = kinds.add_parser("arrays", parents=[f["out"], f["seed"], f["set"]],
                         help="conductance tiles and IR-drop map of one matrix of a config")
    k.add_argument("config", metavar="CONFIG", help="experiment file whose arrays to form")
    k.add_argument("--matrix", choices=("W_I", "W_H"), default="W_H", help="which reservoir matrix")
    k.set_defaults(handler=_cmd_plot_arrays)

    p = sub.add_parser("keys", parents=[f["json"]], formatter_class=fmt,
                       help="every config key: type, unit, default, allowed values, meaning",
                       description="List every key an experiment file of a runner accepts, generated from "
                                   "the config types (also in docs/keys.md).",
                       epilog="examples:\n  crossbar-sim keys\n  crossbar-sim keys --markdown > keys.md")
    p.add_argument("--runner", default=None, metavar="NAME", help="runner whose keys to list (default esgnn)")
    p.add_argument("--markdown", action="store_true", help="a Markdown table")
    p.set_defaults(handler=_cmd_keys)

    p = sub.add_parser("info", parents=[f["json"]], help="versions, data paths, numba threads, ngspice",
                       description="Print what this installation uses.")
    p.set_defaults(handler=_cmd_info)
    return parser


def _read(path: str, overrides: list[str] | None = None) -> ExperimentFile:
    """The experiment file at ``path`` with ``--set`` overrides; errors inside it name the file."""
    try:
        return read_experiment_file(path, overrides or ())
    except ConfigError as exc:
        if str(exc).startswith(path):
            raise
        raise ConfigError.problem(path, str(exc)) from None


def _plan(path: str, seed: int | None, overrides: list[str]) -> Any:
    from crossbar_sim.study.sweep.expand import expand_sweep

    file = _read(path, overrides)
    try:
        return expand_sweep(file, seed=seed)
    except ConfigError as exc:
        raise ConfigError.problem(path, str(exc)) from None


def _to_json(value: Any) -> str:
    from crossbar_sim.study.sweep.store import to_json

    return to_json(value)


_DETAIL_KEYS = ("energy_report", "split_accuracies")  # in the JSON document, not the text summary


def _cmd_run(args: argparse.Namespace) -> int:
    from crossbar_sim.study.sweep.store import flatten

    file = _read(args.config, args.overrides)
    try:
        config = file.base_config()
    except ConfigError as exc:
        raise ConfigError.problem(args.config, str(exc)) from None
    seed = 0 if args.seed is None else args.seed
    if seed < 0:
        raise ConfigError("--seed", seed, "must be an integer >= 0")
    metrics = file.runner.run(config, seed)
    from crossbar_sim.common.version import __version__

    document = {**metrics, "runner": file.runner.name, "seed": seed, "version": __version__,
                "config": dump_dataclass(config)}
    text = json.dumps(json.loads(_to_json(document)), indent=2)
    if args.out:
        from crossbar_sim.common.atomic import atomic_output

        with atomic_output(args.out) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")
    if args.json:
        print(text)
    else:
        print(f"{file.runner.name} experiment, seed {seed}:")
        summary = {k: v for k, v in metrics.items() if k not in _DETAIL_KEYS}
        for key, value in flatten(summary).items():
            print(f"  {key:<28} {value:.6g}" if isinstance(value, float) else f"  {key:<28} {value}")
        if "energy_report" in metrics:
            from crossbar_sim.energy import EnergyReport, format_table

            print(format_table(EnergyReport.from_dict(metrics["energy_report"])))
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from crossbar_sim.study.sweep.execute import run_sweep

    plan = _plan(args.file, args.seed, args.overrides)
    db = Path(args.db) if args.db else Path("results") / f"{plan.name}.sqlite"
    summary = run_sweep(plan, db, workers=args.workers, dask=args.dask, quiet=args.quiet)
    if args.json:
        print(json.dumps({"name": plan.name, "db": str(db), "points": summary.total,
                          "skipped": summary.skipped, "ok": summary.ok, "failed": summary.failed,
                          "first_error": summary.first_error}))
    else:
        print(f"sweep {plan.name}: {summary.total} points, {summary.skipped} already done, "
              f"{summary.ok} finished, {summary.failed} failed -> {db}")
    if summary.failed:
        print(f"{PROG}: {summary.failed} point(s) failed (first: {summary.first_error}); "
              "run the sweep again to retry them", file=sys.stderr)
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    plan = _plan(args.file, args.seed, args.overrides)
    repeats = 1 + max((p.repeat for p in plan.points), default=0)
    if args.json:
        print(json.dumps({"file": args.file, "name": plan.name, "runner": plan.runner.name,
                          "points": len(plan.points), "axes": list(plan.axes), "repeats": repeats}))
    else:
        axes = ", ".join(plan.axes) or "none"
        print(f"ok: {args.file}: {len(plan.points)} point(s) of runner {plan.runner.name} "
              f"(axes: {axes}; repeats: {repeats})")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from crossbar_sim.study.sweep.store import export_csv

    rows = export_csv(args.db, args.out)
    if not args.quiet:
        print(f"wrote {rows} row(s) to {args.out}")
    return 0


def _plot_out(args: argparse.Namespace, default: str) -> str:
    return args.out or str(Path(getattr(args, "db", None) or args.result).with_suffix("")) + default


def _cmd_plot_metric(args: argparse.Namespace) -> int:
    from crossbar_sim.plots.sweep import plot_metric

    print(plot_metric(args.db, args.metric, args.x, _plot_out(args, f"_{args.metric}_vs_{args.x}.png")))
    return 0


def _cmd_plot_heatmap(args: argparse.Namespace) -> int:
    from crossbar_sim.plots.sweep import plot_heatmap

    out = _plot_out(args, f"_{args.metric}_{args.x}_{args.y}.png")
    print(plot_heatmap(args.db, args.metric, args.x, args.y, out))
    return 0


def _cmd_plot_arrays(args: argparse.Namespace) -> int:
    from crossbar_sim.esgnn.datasets import load_dataset
    from crossbar_sim.esgnn.runner import build_reservoir, input_width
    from crossbar_sim.plots.array import plot_ir_drop_map, plot_tile_conductances

    config = _read(args.config, args.overrides).base_config()
    dataset = load_dataset(config.workload.dataset, config.data_root)
    seed = 0 if args.seed is None else args.seed
    w_in, w_rec = build_reservoir(config.workload, input_width(dataset), config.device, config.hardware,
                                  seed, 0, None)
    matrix = w_rec if args.matrix == "W_H" else w_in
    stem = args.out or str(Path(args.config).with_suffix("")) + f"_{args.matrix}"
    print(plot_tile_conductances(matrix, stem + "_tiles.png"))
    wires = config.hardware.array.wires
    print(plot_ir_drop_map(matrix.tiles[0][0].conductance_S, wires, stem + "_ir_drop.png"))
    return 0


def _cmd_plot_energy(args: argparse.Namespace) -> int:
    path = Path(args.result)
    if not path.is_file():
        raise ConfigError.problem(args.result, "result file not found")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError.problem(args.result, f"not a JSON result ({exc})") from None
    from crossbar_sim.energy.report import EnergyReport
    from crossbar_sim.plots.energy import plot_energy_comparison

    try:
        reports = [EnergyReport.from_dict(r) for r in _energy_report_dicts(result)]
    except (KeyError, TypeError, ValueError) as exc:
        problem = f"not a valid energy report ({type(exc).__name__}: {exc})"
        raise ConfigError.problem(args.result, problem) from None
    if not reports:
        raise ConfigError.problem(args.result, "has no energy report (energy_report)")
    print(plot_energy_comparison(reports, _plot_out(args, "_energy.png")))
    return 0


def _energy_report_dicts(document: Any) -> list:
    """Energy report mappings in a result: a report, a list of reports, or its ``energy_report``."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        return []
    if {"label", "analog", "gpu"} <= set(document):
        return [document]
    metrics = document.get("metrics", document)
    found = metrics.get("energy_report") if isinstance(metrics, dict) else None
    if found is None:
        return []
    return found if isinstance(found, list) else [found]


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


def _cmd_keys(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from crossbar_sim.study.config import get_runner
    from crossbar_sim.study.config.keys import config_keys, format_keys

    keys = config_keys(get_runner(args.runner, "--runner").config_cls, "experiment.")
    if args.json:
        print(_to_json([asdict(k) for k in keys]))
    else:
        print(format_keys(keys, markdown=args.markdown))
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    info = _collect_info()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for section, values in info.items():
            print(f"{section}:")
            for key, value in values.items():
                print(f"  {key:<26} {value}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``crossbar-sim``; returns the exit code (2 for bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.handler(args)
    except (ConfigError, ParameterError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"{PROG}: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; finished points are saved, run again to resume", file=sys.stderr)
        return 130
    return 2
