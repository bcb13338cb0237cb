"""The MUTAG ESGNN reproduction through simulated RRAM arrays: accuracy, energy, latency and plots.

Runs ``experiments/paper/mutag.yaml`` (the paper's single-ended arrays) and its differential-pair
variant, prints hardware and software accuracy, analogue vs GPU energy with the paper's figures beside
them, and latency, and writes the energy comparison plot, the energy breakdown and a formed array's
conductance histogram and map.

Usage: ``python -m crossbar_sim.demo [--config experiments/paper/mutag.yaml] [--out DIR] [--repeats N]``
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from crossbar_sim.energy import EnergyReport, format_table
from crossbar_sim.esgnn.datasets import load_dataset
from crossbar_sim.esgnn.runner import build_reservoir, input_width
from crossbar_sim.plots.device import plot_conductance_histogram, plot_conductance_map
from crossbar_sim.plots.energy import plot_energy_breakdown, plot_energy_comparison
from crossbar_sim.study.config import ConfigError, read_experiment_file
from crossbar_sim.study.experiment import ExperimentConfig, run_experiment

PAPER = {"accuracy": 0.9211, "baseline": 0.9213, "analog_J": 34.44e-6, "gpu_J": 74.32e-6}


def differential_variant(config: ExperimentConfig) -> ExperimentConfig:
    """The same experiment on differential pairs (W = k(G⁺ − G⁻)) instead of single-ended arrays."""
    hardware = replace(config.hardware, mapping=replace(config.hardware.mapping, mode="differential"))
    return replace(config, name=config.name + "-differential", hardware=hardware)


def _line(label: str, metrics: dict) -> str:
    acc, base = metrics["accuracy"], metrics["baseline_accuracy"]
    return (f"{label:<28} hardware {100 * acc['mean']:6.2f} ± {100 * acc['std']:.2f} %   "
            f"software {100 * base['mean']:6.2f} ± {100 * base['std']:.2f} %   "
            f"({len(acc['per_repeat'])} seeds)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crossbar_sim.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("experiments/paper/mutag.yaml"))
    parser.add_argument("--out", type=Path, default=Path("results/demo"), help="folder for the plots")
    parser.add_argument("--repeats", type=int, default=None, help="seeds (default: the config's)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        config = read_experiment_file(args.config).base_config()
    except (ConfigError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.repeats is not None:
        config = replace(config, repeats=args.repeats)

    print(f"MUTAG ESGNN through simulated RRAM arrays ({args.config}, seed {args.seed})")
    offset = run_experiment(config, args.seed)
    differential = run_experiment(differential_variant(config), args.seed)
    print(_line("single-ended (paper) arrays", offset))
    print(_line("differential pairs", differential))
    print(f"{'paper (hardware / software)':<28} hardware {100 * PAPER['accuracy']:6.2f} %          "
          f"software {100 * PAPER['baseline']:6.2f} %")

    report = EnergyReport.from_dict(offset["energy_report"])
    energy = offset["energy"]
    if report.calibration:  # a fitted constant: the analogue total reproduces the paper by construction
        analog = (f"analogue {energy['analog_J'] * 1e6:.2f} µJ [{report.technology}: calibrated on "
                  f"{report.calibration}; not a prediction]")
    else:
        analog = (f"analogue {energy['analog_J'] * 1e6:.2f} µJ [{report.technology}: cited constants, "
                  f"predicted] (paper {PAPER['analog_J'] * 1e6:.2f})")
    print(f"\nenergy per inference of all 188 graphs: {analog}, GPU {energy['gpu_J'] * 1e6:.2f} µJ "
          f"({report.gpu.aggregation} aggregation; paper {PAPER['gpu_J'] * 1e6:.2f} from its own op count), "
          f"ratio {energy['ratio']:.2f}×")
    print(f"latency: {offset['latency_s'] * 1e3:.3f} ms on the analogue system; "
          f"simulation wall time {offset['wall_s']:.2f} s")
    print(format_table(report))

    args.out.mkdir(parents=True, exist_ok=True)
    w_in, w_rec = build_reservoir(config.workload, input_width(load_dataset(config.workload.dataset,
                                                                         config.data_root)),
                                  config.device, config.hardware, args.seed, 0, None)
    tile = w_rec.tiles[0][0].conductance_S  # the recurrent array the run read (repeat 0), (rows, columns)
    cells = f"{tile.shape[0]} × {tile.shape[1]} cells"
    both = np.concatenate([w_in.tiles[0][0].conductance_S.ravel(), tile.ravel()])
    written = [
        plot_energy_comparison([report], args.out / "energy_comparison.png", labels=["MUTAG"]),
        plot_energy_breakdown(report, args.out / "energy_breakdown.png"),
        plot_conductance_histogram(both, args.out / "conductance_histogram.png",
                                   title=f"W_I and W_H as formed ({both.size} cells)"),
        plot_conductance_map(tile, args.out / "conductance_map.png",
                             title=f"W_H as formed (seed {args.seed}): {cells}"),
    ]
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
