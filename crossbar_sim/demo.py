"""Temporary demo: form a 512×512 RRAM array with the default device model and plot it.

Usage: ``python -m crossbar_sim.demo --out DIR``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from crossbar_sim.plots.device import plot_conductance_histogram, plot_conductance_map
from device_models import RRAMDeviceModel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crossbar_sim.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files (created)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--size", type=int, default=512, help="rows = columns of the array")
    args = parser.parse_args(argv)

    model = RRAMDeviceModel()
    array = model.form((args.size, args.size), np.random.default_rng(args.seed))
    formed_uS = array.conductance_S[array.formed] * 1e6
    print(f"array {args.size}x{args.size}, seed {args.seed}")
    print(f"programming voltage: {array.programming_voltage_V:.3f} V")
    print(f"unformed fraction:   {array.unformed_fraction:.4f}")
    print(f"formed conductance:  {formed_uS.mean():.2f} ± {formed_uS.std(ddof=1):.2f} µS")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in (plot_conductance_histogram(array.conductance_S, args.out / "conductance_histogram.png"),
                 plot_conductance_map(array.conductance_S, args.out / "conductance_map.png")):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
