"""`crossbar-sim tune`: choose an experiment's settings on inner-validation accuracy, write them as a file."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from crossbar_sim.cli.common import check_output, read_file, to_json
from crossbar_sim.study.config import ConfigError

EPILOG = """\
examples:
  crossbar-sim tune experiments/datasets/proteins.yaml --out experiments/datasets/proteins_tuned.yaml
  crossbar-sim tune exp.yaml --space graph --budget 60 --seeds 100,101,102 --out tuned.yaml
  crossbar-sim tune exp.yaml --space my_space.yaml --hardware --out tuned.yaml
  crossbar-sim tune exp.yaml --set hardware.mapping.mode=differential --out tuned.yaml   # mapping held

A space file maps dotted experiment keys to candidate values, with optional budget, seeds and eta:

  space:
    workload.reservoir.units: [50, 100, 200]
    workload.weights.recurrent_scale_per_S: [1000, 4000, 16000]
    workload.readout.kind: [ridge, logistic]
    workload.readout.ridge: [0.01, 0.1, 1, 10]
  budget: 30
  seeds: [100, 101, 102]

Presets: graph (units, iterations, leak rate, poolings, scales, unformed fractions, readout kind,
standardisation, ridge) and node (units, iterations, scales, unformed fractions, readout hops,
standardisation, ridge); auto picks one by the protocol. Only validation items of each split are
scored; the output file bases the input and records the search in its comments.
"""


def add_commands(sub: argparse._SubParsersAction, f: dict[str, argparse.ArgumentParser],
                 fmt: type[argparse.HelpFormatter]) -> None:
    """Add this module's subcommands to ``sub`` (``f``: the shared flag parsers)."""
    p = sub.add_parser("tune", parents=[f["json"], f["quiet"], f["set"]], formatter_class=fmt,
                       help="choose settings on validation accuracy and write a runnable config",
                       description="Search a space of experiment keys with successive halving on the "
                                   "inner-validation accuracy of CONFIG's protocol (test items unused), "
                                   "then write the best settings as an experiment file that bases CONFIG. "
                                   "A --set on a key of the space holds it at that value.",
                       epilog=EPILOG)
    p.add_argument("config", metavar="CONFIG", help="experiment YAML file to start from")
    p.add_argument("--out", required=True, metavar="PATH", help="tuned experiment file to write")
    p.add_argument("--space", default="auto", metavar="NAME|FILE",
                   help="a preset (graph, node, auto: by the protocol) or a space YAML file")
    p.add_argument("--budget", type=int, metavar="N", help="configurations to draw (default: the space's)")
    p.add_argument("--seeds", metavar="LIST", help="tuning seeds, e.g. 100,101,102 (default 100-104)")
    p.add_argument("--eta", type=int, metavar="N", help="successive-halving factor (default 3)")
    p.add_argument("--hardware", action="store_true",
                   help="score embeddings read through the hardware model (default: software reservoir)")
    p.set_defaults(handler=_cmd_tune)


def _seeds(text: str) -> tuple[int, ...]:
    """``100,101`` or ``100-104`` (or both, comma-separated) as seeds, at most ``MAX_SEEDS`` of them."""
    from crossbar_sim.study.tune import MAX_SEEDS

    allowed = "must be integers or ranges, e.g. 100,101 or 100-104"
    seeds: list[int] = []
    try:
        for part in text.split(","):
            lo, dash, hi = part.strip().partition("-")
            first, last = int(lo), int(hi) if dash else int(lo)
            if len(seeds) + last - first + 1 > MAX_SEEDS:
                raise ConfigError("--seeds", text, f"{allowed}, at most {MAX_SEEDS} seeds")
            seeds += range(first, last + 1)
    except ValueError as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError("--seeds", text, allowed) from None
    return tuple(seeds)


def _set_keys(overrides: list[str]) -> set[str]:
    """The experiment keys (``hardware.mapping.mode``) that ``--set`` overrides name."""
    keys = {item.partition("=")[0].strip() for item in overrides}
    return {k.removeprefix("experiment.") for k in keys}


def _json_value(value: Any) -> Any:
    """A candidate value for JSON (tuples of poolings as lists)."""
    return list(value) if isinstance(value, tuple) else value


def _cmd_tune(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from crossbar_sim.common.atomic import atomic_output
    from crossbar_sim.study.experiment import ExperimentConfig
    from crossbar_sim.study.tune import Tuner, load_space, tuned_document

    check_output(args.out)
    file = read_file(args.config, args.overrides)
    if file.runner.config_cls is not ExperimentConfig:
        raise ConfigError(f"{args.config}: runner", file.runner.name,
                          "tune searches ESGNN experiments only (runner esgnn)")
    try:
        base = file.base_config()
    except ConfigError as exc:
        raise ConfigError.problem(args.config, str(exc)) from None
    space = load_space(args.space, base)
    held = [k for k in space.axes if k in _set_keys(args.overrides)]  # --set on an axis holds it fixed
    if held and len(held) == len(space.axes):
        raise ConfigError("--set", ", ".join(held), f"holds every key of space {space.name}: nothing left to "
                          "search")
    space = replace(space, axes={k: v for k, v in space.axes.items() if k not in held})
    options = {"budget": args.budget, "eta": args.eta,
               "seeds": None if args.seeds is None else _seeds(args.seeds)}
    space = replace(space, **{k: v for k, v in options.items() if v is not None})
    progress = None if args.quiet else (lambda line: print(f"tune: {line}", file=sys.stderr, flush=True))
    tuner = Tuner(file, space, hardware=args.hardware, progress=progress)
    if held and progress:
        progress(f"held at their --set values (not searched): {', '.join(held)}")
    if tuner.dropped and progress:
        progress(f"left out (no effect for this experiment): {', '.join(tuner.dropped)}")
    result = tuner.run()
    command = shlex.join(["crossbar-sim", "tune", *sys.argv[2:]]) if sys.argv[1:2] == ["tune"] else "tune"
    text = tuned_document(result, args.config, args.out, args.overrides, base, command)
    with atomic_output(args.out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    if args.json:
        print(to_json({"out": args.out, "chosen": {k: _json_value(v) for k, v in result.chosen.items()},
                          "validation_accuracy": result.best_score, "input_validation_accuracy":
                          result.base_score, "seeds": list(result.seeds), "evaluations": result.evaluations,
                          "left_out": result.skipped,
                          "unevaluated": {k: [_json_value(v) for v in vals]
                                          for k, vals in result.unevaluated.items()},
                          "wall_s": result.wall_s}))
    else:
        left_out = (f"; {result.skipped} drawn configuration(s) left out (a key without effect, or more "
                    "readout features than max_features)") if result.skipped else ""
        print(f"tuned {args.config} -> {args.out}: validation accuracy {result.best_score:.4f} "
              f"(input's settings {result.base_score:.4f}) over seeds {', '.join(map(str, result.seeds))}"
              + left_out)
        for key, values in result.unevaluated.items():
            print(f"  never evaluated: {key} = {', '.join(map(str, values))} "
                  "(the budget or max_features too small to draw it)")
    return 0
