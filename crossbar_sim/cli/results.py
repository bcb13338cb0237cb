"""Commands on results: export a sweep database, compare its points, plot sweeps, energy reports, arrays."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from crossbar_sim.cli.common import Parser, check_output, read_file, to_json
from crossbar_sim.study.config import ConfigError, parse_yaml


def add_commands(sub: argparse._SubParsersAction, f: dict[str, argparse.ArgumentParser],
                 fmt: type[argparse.HelpFormatter]) -> None:
    """Add this module's subcommands to ``sub`` (``f``: the shared flag parsers)."""
    p = sub.add_parser("export", parents=[f["quiet"]], formatter_class=fmt,
                       help="write a results database as CSV",
                       description="One CSV row per point: parameters as param.<key>, every metric a flat "
                                   "column (accuracy.mean, baseline_accuracy.mean, energy.analog_J, "
                                   "energy_report.analog.by_component.adc_tia_J, arrays.tiles_total, ...).",
                       epilog="example:\n  crossbar-sim export results/noise.sqlite --csv results/noise.csv")
    p.add_argument("db", metavar="DB", help="results database written by `crossbar-sim sweep`")
    p.add_argument("--csv", "--out", dest="out", required=True, metavar="PATH",
                   help="CSV file to write (not a directory)")
    p.set_defaults(handler=_cmd_export)

    reference = Parser(add_help=False)
    reference.add_argument("--metric", default="accuracy.mean",
                           help="numeric column (default: accuracy.mean)")
    reference.add_argument("--reference", action="append", default=[], metavar="KEY=VALUE",
                           help="reference point: swept values (repeatable; default: the sweep's "
                                "reference, else the first value of its first axis)")
    p = sub.add_parser("compare", parents=[f["json"], reference], formatter_class=fmt,
                       help="each point's paired difference from a reference point, with its 95 %% CI",
                       description="Per point and repeat, METRIC minus its value at the reference point\n"
                                   "(the point with the reference's axes set), then the mean difference\n"
                                   "over the repeats with a Student-t 95 % interval (n - 1 degrees of\n"
                                   "freedom; none for one repeat). In the paired design both sides ran on\n"
                                   "the same chips, so the interval measures the effect, not the\n"
                                   "chip-to-chip spread.",
                       epilog="examples:\n  crossbar-sim compare results/noise.sqlite\n"
                              "  crossbar-sim compare results/adc.sqlite --reference hardware.adc.bits=8")
    p.add_argument("db", metavar="DB", help="results database written by `crossbar-sim sweep`")
    p.set_defaults(handler=_cmd_compare)

    p = sub.add_parser("plot", formatter_class=fmt, help="plot sweep results or an energy comparison",
                       description="Plot kinds: metric (vs one swept parameter, mean ± 95 % CI over seeds), "
                                   "diff (paired difference from a reference point), heatmap (two swept "
                                   "parameters), energy (a `run --out` JSON result), arrays (a config's "
                                   "formed tiles and their IR-drop map). A PNG at 200 dpi; an --out ending "
                                   "in .svg or .pdf writes that too.",
                       epilog="examples:\n"
                              "  crossbar-sim plot metric results/noise.sqlite --metric accuracy.mean --x x\n"
                              "  crossbar-sim plot diff results/adc.sqlite --reference hardware.adc.bits=8 "
                              "--out adc_diff.pdf\n"
                              "  crossbar-sim plot heatmap results/noise.sqlite --metric accuracy.mean "
                              "--x x --y noise.sigma\n"
                              "  crossbar-sim plot energy results/exp.json --out energy.png\n"
                              "  crossbar-sim plot arrays experiments/paper/mutag.yaml --out w_h")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    k = kinds.add_parser("metric", parents=[f["out"]], help="metric against a swept parameter")
    k.add_argument("db", metavar="DB")
    k.add_argument("--metric", required=True, help="dotted metric name, e.g. accuracy.mean")
    k.add_argument("--x", help="swept parameter for the x axis (default: the sweep's first axis)")
    k.set_defaults(handler=_cmd_plot_metric)
    k = kinds.add_parser("diff", parents=[f["out"], reference],
                         help="paired difference from a reference point against a swept parameter")
    k.add_argument("db", metavar="DB")
    k.add_argument("--x", help="swept parameter for the x axis (default: the sweep's first axis)")
    k.set_defaults(handler=_cmd_plot_diff)
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


def _cmd_export(args: argparse.Namespace) -> int:
    from crossbar_sim.study.sweep.store import export_csv

    rows = export_csv(args.db, args.out)
    if not args.quiet:
        print(f"wrote {rows} row(s) to {args.out}")
    return 0


MAX_RESULT_BYTES = 64 << 20  # a `run --out` result is a few kB to a few MB
RESULTS = Path("results")  # where outputs go when no --out is given (git-ignored, never the source tree)


def _plot_out(args: argparse.Namespace, default: str) -> str:
    """``--out`` (refused if a directory), else ``results/<input file stem><default>``."""
    check_output(args.out)
    return args.out or str(RESULTS / (Path(getattr(args, "db", None) or args.result).stem + default))


def _cmd_plot_metric(args: argparse.Namespace) -> int:
    from crossbar_sim.plots.sweep import plot_metric

    out = _plot_out(args, f"_{args.metric}_vs_{args.x or 'first_axis'}.png")
    print(plot_metric(args.db, args.metric, args.x, out))
    return 0


def _reference(items: list[str]) -> dict[str, Any] | None:
    """``--reference KEY=VALUE`` flags as overrides (YAML values), None without any."""
    reference = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("--reference", item, "must read KEY=VALUE, e.g. hardware.adc.bits=8")
        reference[key.strip()] = parse_yaml(value, "--reference")
    return reference or None


def _cmd_compare(args: argparse.Namespace) -> int:
    from crossbar_sim.study.sweep.compare import paired_differences

    comparison = paired_differences(args.db, args.metric, _reference(args.reference))
    if args.json:
        print(to_json({"metric": comparison.metric, "pairing": comparison.pairing,
                       "reference": comparison.reference,
                       "points": [{"params": p.params, "reference": p.reference, "n": p.n, "mean": p.mean,
                                   "ci95": p.ci95, "shared_seeds": p.shared_seeds,
                                   "per_repeat": p.per_repeat} for p in comparison.points]}))
    else:
        print(comparison.format())
    return 0


def _cmd_plot_diff(args: argparse.Namespace) -> int:
    from crossbar_sim.plots.sweep import plot_difference

    out = _plot_out(args, f"_{args.metric}_diff.png")
    print(plot_difference(args.db, out, args.metric, args.x, _reference(args.reference)))
    return 0


def _cmd_plot_heatmap(args: argparse.Namespace) -> int:
    from crossbar_sim.plots.sweep import plot_heatmap

    if args.x == args.y:
        raise ConfigError("--y", args.y, "must be another swept parameter than --x")

    out = _plot_out(args, f"_{args.metric}_{args.x}_{args.y}.png")
    print(plot_heatmap(args.db, args.metric, args.x, args.y, out))
    return 0


def _cmd_plot_arrays(args: argparse.Namespace) -> int:
    from crossbar_sim.esgnn.datasets import load_dataset
    from crossbar_sim.esgnn.runner import build_reservoir, input_width
    from crossbar_sim.plots.array import plot_ir_drop_map, plot_tile_conductances

    config = read_file(args.config, args.overrides).base_config()
    dataset = load_dataset(config.workload.dataset, config.data_root)
    seed = 0 if args.seed is None else args.seed
    w_in, w_rec = build_reservoir(config.workload, input_width(dataset), config.device, config.hardware,
                                  seed, 0, None)
    matrix = w_rec if args.matrix == "W_H" else w_in
    stem = args.out or str(RESULTS / f"{Path(args.config).stem}_{args.matrix}")
    print(plot_tile_conductances(matrix, stem + "_tiles.png"))
    wires = config.hardware.array.wires
    print(plot_ir_drop_map(matrix.tiles[0][0].conductance_S, wires, stem + "_ir_drop.png"))
    return 0


def _cmd_plot_energy(args: argparse.Namespace) -> int:
    path = Path(args.result)
    if not path.is_file():
        raise ConfigError.problem(args.result, "result file not found")
    if path.stat().st_size > MAX_RESULT_BYTES:
        raise ConfigError.problem(args.result, f"is larger than {MAX_RESULT_BYTES:,} bytes; not a result of "
                                  "`crossbar-sim run --out`")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError.problem(args.result, f"not a JSON result ({exc})") from None
    except RecursionError:
        raise ConfigError.problem(args.result, "not a JSON result (nested too deeply)") from None
    from crossbar_sim.energy.report import EnergyReport
    from crossbar_sim.plots.energy import plot_energy_comparison

    try:
        reports = [EnergyReport.from_dict(_mapping(r)) for r in _energy_report_dicts(result)]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        problem = f"not a valid energy report ({type(exc).__name__}: {exc})"
        raise ConfigError.problem(args.result, problem) from None
    if not reports:
        raise ConfigError.problem(args.result, "has no energy report (energy_report)")
    print(plot_energy_comparison(reports, _plot_out(args, "_energy.png")))
    return 0


def _mapping(report: Any) -> dict:
    if not isinstance(report, dict):
        raise TypeError(f"an energy report is a JSON object, not {type(report).__name__}")
    return report


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
