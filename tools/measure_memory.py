"""Measure the peak RSS of the runs in ``crossbar_sim.study.preflight.CALIBRATION`` (the memory estimate's
fit data): each run in a fresh interpreter, ``repeats: 1``, peak from ``resource.getrusage`` (MB, 10⁶ bytes).

    CROSSBAR_SIM_DATA=/path/to/datasets python tools/measure_memory.py [INDEX ...]

prints one line per run: index, measured MB, the estimate in MB and their ratio.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_ONE_RUN = """
import resource, sys
from crossbar_sim.study.config import read_experiment_file
from crossbar_sim.study.preflight import CALIBRATION
path, sets, _ = CALIBRATION[int(sys.argv[1])]
file = read_experiment_file(path, [f"experiment.{s}" for s in sets] + ["experiment.repeats=1"])
file.runner.run(file.base_config(), 0)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6)
"""


def main(indices: list[int]) -> None:
    # Linux keeps the high-water RSS of a forked process across exec, so every run is started before
    # this process imports anything large (the estimates below read the datasets).
    for index in indices:
        out = subprocess.run([sys.executable, "-c", _ONE_RUN, str(index)], cwd=REPO, capture_output=True,
                             text=True, check=True)
        measured = float(out.stdout.split()[-1])
        print(f"{index:2d} measured {measured:.0f} MB", flush=True)
        _MEASURED[index] = measured
    from crossbar_sim.esgnn.datasets.manifest import dataset_folder
    from crossbar_sim.study.config import read_experiment_file
    from crossbar_sim.study.preflight import CALIBRATION, dataset_shape, estimate_memory

    for index, measured in _MEASURED.items():
        path, sets, _ = CALIBRATION[index]
        config = read_experiment_file(REPO / path, [f"experiment.{s}" for s in sets]
                                      + ["experiment.repeats=1"]).base_config()
        shape = dataset_shape(dataset_folder(config.workload.dataset, config.data_root))
        estimate = estimate_memory(config, shape).total_bytes / 1e6
        print(f"{index:2d} {path} {' '.join(sets)}: measured {measured:.0f} MB, estimate {estimate:.0f} MB, "
              f"ratio {estimate / measured:.3f}", flush=True)


_MEASURED: dict[int, float] = {}


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or list(range(24)))
