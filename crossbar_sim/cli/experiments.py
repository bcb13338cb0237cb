"""Commands that read an experiment file: run, sweep, validate, keys."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crossbar_sim.cli.common import PROG, check_output, read_file, to_json
from crossbar_sim.study.config import ConfigError, dump_dataclass


def add_commands(sub: argparse._SubParsersAction, f: dict[str, argparse.ArgumentParser],
                 fmt: type[argparse.HelpFormatter]) -> None:
    """Add this module's subcommands to ``sub`` (``f``: the shared flag parsers)."""
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
                                   "interrupted or partly failed sweep is completed by running it again "
                                   "(more axis values or repeats only run the new points). A database "
                                   "written by another sweep (other name, runner or swept keys, or a "
                                   "changed base config) is refused unless --append is given.",
                       epilog="examples:\n  crossbar-sim sweep noise.yaml\n"
                              "  crossbar-sim sweep noise.yaml --workers 2 --db results/noise.sqlite\n"
                              "  crossbar-sim sweep noise_v2.yaml --db results/noise.sqlite --append\n"
                              "  crossbar-sim sweep noise.yaml --dask tcp://10.0.0.5:8786\n"
                              "  crossbar-sim sweep noise.yaml --dask local --workers 4")
    p.add_argument("file", metavar="FILE", help="experiment YAML file with a sweep: section")
    p.add_argument("--db", "--out", dest="db", metavar="PATH",
                   help="results database (default: results/<sweep name>.sqlite)")
    p.add_argument("--append", action="store_true",
                   help="add this sweep's points to a database written by another sweep definition "
                        "(points with the same swept values and repeat are replaced)")
    p.set_defaults(handler=_cmd_sweep)

    p = sub.add_parser("validate", parents=[f["json"], f["seed"], f["set"]], formatter_class=fmt,
                       help="check a config or sweep file and count its points",
                       description="Check FILE completely (every sweep point is built, its dataset found "
                                   "and its peak memory estimated against $CROSSBAR_SIM_MEMORY_LIMIT_GB) "
                                   "without running it.",
                       epilog="example:\n  crossbar-sim validate noise.yaml")
    p.add_argument("file", metavar="FILE", help="experiment YAML file")
    p.set_defaults(handler=_cmd_validate)

    p = sub.add_parser("keys", parents=[f["json"]], formatter_class=fmt,
                       help="every config key: type, unit, default, allowed values, meaning",
                       description="List every key an experiment file of a runner accepts, generated from "
                                   "the config types (also in docs/keys.md).",
                       epilog="examples:\n  crossbar-sim keys\n  crossbar-sim keys --markdown > keys.md")
    p.add_argument("--runner", default=None, metavar="NAME", help="runner whose keys to list (default esgnn)")
    p.add_argument("--markdown", action="store_true", help="a Markdown table")
    p.set_defaults(handler=_cmd_keys)


def _plan(path: str, seed: int | None, overrides: list[str], workers: int = 1) -> Any:
    """The sweep plan of ``path``, checked before any work for ``workers`` runs at once on this machine."""
    from crossbar_sim.study.sweep.expand import expand_sweep

    file = read_file(path, overrides)
    try:
        plan = expand_sweep(file, seed=seed)
        at_once = max(1, min(workers, len(plan.points)))
        plan.runner.check_before_work([p.config for p in plan.points], workers=at_once)
        return plan
    except ConfigError as exc:
        raise ConfigError.problem(path, str(exc)) from None


_DETAIL_KEYS = ("energy_report", "split_accuracies")  # in the JSON document, not the text summary
_DESIGN = {"paired": "paired design: one seed per repeat, shared by every point",
           "independent": "independent design: a seed per point"}


def _cmd_run(args: argparse.Namespace) -> int:
    from crossbar_sim.study.sweep.store import flatten

    file = read_file(args.config, args.overrides)
    try:
        config = file.base_config()
        file.runner.check_before_work([config])
    except ConfigError as exc:
        raise ConfigError.problem(args.config, str(exc)) from None
    seed = 0 if args.seed is None else args.seed
    if seed < 0:
        raise ConfigError("--seed", seed, "must be an integer >= 0")
    check_output(args.out)
    from crossbar_sim.common.progress import progress_enabled

    with progress_enabled(not args.quiet):
        metrics = file.runner.run(config, seed)
    from crossbar_sim.common.version import __version__

    document = {**metrics, "runner": file.runner.name, "seed": seed, "version": __version__,
                "config": dump_dataclass(config)}
    text = to_json(document, indent=2)
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
    from crossbar_sim.study.sweep.execute import check_workers, run_sweep

    check_workers(args.workers)
    local = args.dask in (None, "local")  # the memory of a remote Dask cluster is not this machine's
    plan = _plan(args.file, args.seed, args.overrides, args.workers if local else 1)
    db = Path(args.db) if args.db else Path("results") / f"{plan.name}.sqlite"
    summary = run_sweep(plan, db, workers=args.workers, dask=args.dask, quiet=args.quiet, append=args.append)
    if args.json:
        print(to_json({"name": plan.name, "db": str(db), "pairing": plan.pairing, "points": summary.total,
                       "skipped": summary.skipped, "ok": summary.ok, "failed": summary.failed,
                       "first_error": summary.first_error}))
    else:
        print(f"sweep {plan.name} ({_DESIGN[plan.pairing]}): {summary.total} points, "
              f"{summary.skipped} already done, {summary.ok} finished, {summary.failed} failed -> {db}")
    if summary.failed:
        print(f"{PROG}: {summary.failed} point(s) failed (first: {summary.first_error}); "
              "run the sweep again to retry them", file=sys.stderr)
        return 1
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    plan = _plan(args.file, args.seed, args.overrides)
    repeats = 1 + max((p.repeat for p in plan.points), default=0)  # sweep.repeats: points per setting
    chips = sorted({p.config.repeats for p in plan.points if hasattr(p.config, "repeats")})
    if args.json:
        report = {"file": args.file, "name": plan.name, "runner": plan.runner.name,
                  "points": len(plan.points), "axes": list(plan.axes), "repeats": repeats,
                  "pairing": plan.pairing, "reference": plan.reference}
        print(to_json(report | ({"chips_per_run": chips} if chips else {})))
    else:
        axes = ", ".join(plan.axes) or "none"
        reference = ", ".join(f"{k} = {v!r}" for k, v in plan.reference.items()) or "none"
        per_run = f"; chips per run (experiment.repeats): {'/'.join(map(str, chips))}" if chips else ""
        print(f"ok: {args.file}: {len(plan.points)} point(s) of runner {plan.runner.name} "
              f"(axes: {axes}; sweep repeats: {repeats}{per_run}; {_DESIGN[plan.pairing]}; "
              f"reference: {reference})")
    return 0


def _cmd_keys(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from crossbar_sim.study.config import get_runner
    from crossbar_sim.study.config.keys import config_keys, format_keys

    keys = config_keys(get_runner(args.runner, "--runner").config_cls, "experiment.")
    if args.json:
        print(to_json([asdict(k) for k in keys]))
    else:
        print(format_keys(keys, markdown=args.markdown))
    return 0
