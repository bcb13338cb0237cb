"""A toy experiment (runner ``toy``): a noisy 2-D bump with the same metric layout as the real one.

Not part of the package: the tests and the sweep benchmark load it as a plugin runner
(``CROSSBAR_SIM_RUNNERS=toy=toy_runner`` with this folder on the path, see tests/conftest.py).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from crossbar_sim.study.config import register_experiment, register_preset
from device_models.errors import check_int, check_nonnegative, check_positive

MAX_SAMPLES = 10**6


@dataclass(frozen=True)
class ToyNoise:
    """Measurement noise: ``samples`` draws (2 to 10⁶, so a fuzzed file cannot allocate without bound) with
    standard deviation ``sigma`` around the clean value."""

    sigma: float = 0.05
    samples: int = 16

    def __post_init__(self) -> None:
        check_nonnegative("sigma", self.sigma)
        check_int("samples", self.samples, minimum=2, maximum=MAX_SAMPLES)


@dataclass(frozen=True)
class ToyConfig:
    """Parameters of the toy experiment.

    Attributes:
        x, y: position; the clean score is ``exp(-((x - 0.3)² + (y + 0.1)²))`` (``ridge`` drops ``y``).
        read_voltage_V: scales the toy analogue energy, in volts.
        work_s: seconds of single-threaded numpy work per run (for benchmarks), in seconds.
        fail_if_exists: a file path; the run raises while that file exists (for failure tests).
    """

    x: float = 0.0
    y: float = 0.0
    shape: Literal["bump", "ridge"] = "bump"
    noise: ToyNoise = field(default_factory=ToyNoise)
    read_voltage_V: float = 0.2
    work_s: float = 0.0
    fail_if_exists: str | None = None

    def __post_init__(self) -> None:
        check_positive("read_voltage_V", self.read_voltage_V)
        check_nonnegative("work_s", self.work_s)


def _busy(seconds: float) -> None:
    """Spend about ``seconds`` of CPU on elementwise numpy work (no BLAS threads)."""
    buf = np.linspace(0.0, 1.0, 50_000)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        buf = np.sin(buf) + 0.5


def run_toy(config: ToyConfig, seed: int) -> dict:
    """Nested metrics of one toy run; every random draw comes from ``default_rng(seed)``."""
    if config.fail_if_exists is not None and os.path.exists(config.fail_if_exists):
        raise RuntimeError(f"toy failure requested: {config.fail_if_exists} exists")
    rng = np.random.default_rng(seed)
    q = (config.x - 0.3) ** 2 + (0.0 if config.shape == "ridge" else (config.y + 0.1) ** 2)
    clean = float(np.exp(-q))
    draws = clean + config.noise.sigma * rng.standard_normal(config.noise.samples)
    _busy(config.work_s)
    analog_J = 1e-9 * (1.0 + config.x**2) * config.read_voltage_V / 0.2
    gpu_J = 1e-6
    return {
        "accuracy": {"mean": float(draws.mean()), "std": float(draws.std(ddof=1))},
        "baseline_accuracy": {"mean": clean, "std": 0.0},
        "energy": {"analog_J": analog_J, "gpu_J": gpu_J, "ratio": gpu_J / analog_J},
        "latency_s": 1e-6 * (1.0 + abs(config.y)),
    }


register_preset(ToyNoise, "quiet", ToyNoise(sigma=0.0))
register_preset(ToyNoise, "loud", ToyNoise(sigma=0.5, samples=8))
register_preset(ToyConfig, "centred", ToyConfig(x=0.3, y=-0.1))
register_experiment(ToyConfig, run_toy, name="toy")
