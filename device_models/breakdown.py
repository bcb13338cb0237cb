"""Forming by dielectric breakdown: per-cell breakdown voltage and the sparsity it implies.

A cell breaks down (forms) when the programming voltage reaches its breakdown voltage, so at a
programming voltage V the formed fraction is the cdf F(V) = P(V_bd ≤ V) and the unformed fraction is
1 − F(V). Distributions (every voltage in volts):

- ``"weibull"``, the statistics of dielectric breakdown, here with a threshold V0 and an exponent α:
  F(V) = [1 − exp(−((V − V0)/η)^β)]^α for V > V0, 0 below. V0 = 0 and α = 1 give the classic
  two-parameter Weibull, α = 1 the three-parameter (threshold) Weibull, α ≠ 1 the exponentiated
  Weibull (Mudholkar & Srivastava, IEEE Trans. Reliab. 42, 299 (1993)).
- ``"normal"``: N(mean, std²).
- ``"skew_normal"`` (Azzalini): F(V) = Φ(z) − 2 T(z, α) with z = (V − ξ)/ω and Owen's T function.
- ``"gumbel_min"``, the smallest-extreme-value distribution (the log of a Weibull variable):
  F(V) = 1 − exp(−exp((V − μ)/σ)).
- ``"empirical"``: breakdown voltages measured on a voltage sweep (see :func:`sweep_cdf`).

Defaults: each family's parameters are its interval-censored maximum-likelihood fit
(:func:`device_models.calibration.compare_breakdown_fits`) to the 400 measured breakdown voltages of
the 20×20 array of Wang et al., Nat. Mach. Intell. 5, 104 (2023), Ext. Fig. 1 (a 20 mV sweep), and
the default distribution is the one with the lowest AIC there: the Weibull with threshold and
exponent, within 0.021 of the measured cdf at every sweep voltage (the normal misses by up to 0.042).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, ndtri, owens_t

from device_models.errors import (
    ParameterError,
    check_choice,
    check_fields,
    check_finite,
    check_fraction,
    check_nonnegative,
    check_positive,
    check_sample_tuple,
    check_samples,
)
from device_models.sampling import resample

_NAME = "BreakdownVoltageModel"
BreakdownDistribution = Literal["weibull", "normal", "skew_normal", "gumbel_min", "empirical"]
BREAKDOWN_DISTRIBUTIONS: tuple[str, ...] = get_args(BreakdownDistribution)
_GRID_TOLERANCE = 1e-6  # how far (in sweep steps) a recorded voltage may sit off the sweep grid


def sweep_cdf(recorded_V: ArrayLike, sweep_step_V: float,
              name: str = "recorded_V") -> tuple[np.ndarray, np.ndarray]:
    """Measured formed fraction at each sweep voltage, from breakdown voltages recorded on a sweep.

    A cell recorded at sweep voltage V_k broke down in (V_k − step, V_k]: it had not at the previous
    step. So the formed fraction is known exactly at the sweep voltages and nowhere in between.

    Returns:
        The sweep voltages in volts, from one step below the lowest recorded voltage to the highest
        (rounded to 1 nV), and the fraction of cells recorded at or below each (0 at the first, 1 at
        the last). Consecutive sweep voltages bound the interval each recorded cell broke down in.
    """
    v = check_samples(name, recorded_V)
    step = check_positive("sweep_step_V", sweep_step_V)
    steps = (v - v.min()) / step
    index = np.rint(steps)
    off = np.abs(steps - index)
    if np.any(off > _GRID_TOLERANCE):
        raise ParameterError(name, f"<sample {float(v[np.argmax(off)])!r} off the sweep>",
                             f"must lie on a sweep of {step!r} V steps (from {float(v.min())!r} V)")
    counts = np.bincount(index.astype(np.int64))
    voltages_V = np.round(v.min() + step * np.arange(-1, counts.size), 9)
    return voltages_V, np.concatenate([[0.0], np.cumsum(counts) / v.size])


@dataclass(frozen=True)
class BreakdownVoltageModel:
    """Distribution of the per-cell breakdown voltage (formulas in the module docstring).

    Only the parameters of the chosen ``distribution`` are used. The default is fitted to the 400
    measured breakdown voltages of the 20×20 array of Wang et al., Nat. Mach. Intell. 5, 104 (2023),
    Ext. Fig. 1: the lowest-AIC interval-censored fit, the Weibull with threshold V0 = 3.10056 V,
    scale η = 0.43315 V, shape β = 5.5255 and exponent α = 0.42866 (50.07 % unformed at 3.43 V; within
    0.021 of the measured cdf at every sweep voltage). The defaults of the other families are their
    own fits to the same cells.

    Attributes:
        distribution: ``"weibull"`` (default), ``"normal"``, ``"skew_normal"``, ``"gumbel_min"`` or
            ``"empirical"``.
        weibull_scale_V: Weibull scale η in volts.
        weibull_shape: Weibull shape (slope) β, dimensionless.
        weibull_threshold_V: Weibull threshold V0 in volts: no cell breaks down at or below it (0 for the
            two-parameter Weibull).
        weibull_exponent: exponent α of the exponentiated Weibull, dimensionless (1 for the plain Weibull).
        mean_V: mean in volts (normal).
        std_V: standard deviation in volts (normal).
        skew_location_V: location ξ in volts (skew-normal).
        skew_scale_V: scale ω in volts (skew-normal).
        skew_shape: shape α of the skew-normal, dimensionless (< 0 skews towards low voltages; 0 is the
            normal).
        gumbel_location_V: location μ in volts (gumbel_min; the voltage at which 1 − 1/e have formed).
        gumbel_scale_V: scale σ in volts (gumbel_min).
        samples_V: breakdown voltages in volts as recorded on the sweep (empirical; at least 2 distinct
            values, all on the sweep grid).
        sweep_step_V: step of that sweep in volts (empirical; default 20 mV, the paper's): a cell
            recorded at V broke down in (V − sweep_step_V, V].
    """

    distribution: BreakdownDistribution = "weibull"
    weibull_scale_V: float = 0.43315
    weibull_shape: float = 5.5255
    weibull_threshold_V: float = 3.10056
    weibull_exponent: float = 0.42866
    mean_V: float = 3.4232
    std_V: float = 0.11409
    skew_location_V: float = 3.5276
    skew_scale_V: float = 0.15464
    skew_shape: float = -1.5656
    gumbel_location_V: float = 3.4790
    gumbel_scale_V: float = 0.10385
    samples_V: tuple[float, ...] = ()
    sweep_step_V: float = 0.02

    def __post_init__(self) -> None:
        check_choice(f"{_NAME}.distribution", self.distribution, BREAKDOWN_DISTRIBUTIONS)
        check_fields(self, weibull_scale_V=check_positive, weibull_shape=check_positive,
                     weibull_threshold_V=check_nonnegative, weibull_exponent=check_positive,
                     mean_V=check_positive, std_V=check_positive, skew_location_V=check_positive,
                     skew_scale_V=check_positive, skew_shape=check_finite,
                     gumbel_location_V=check_positive, gumbel_scale_V=check_positive,
                     sweep_step_V=check_positive)
        samples = check_sample_tuple(f"{_NAME}.samples_V", self.samples_V, positive=True,
                                     required=self.distribution == "empirical", minimum_distinct=2)
        object.__setattr__(self, "samples_V", samples)
        if self.distribution == "empirical":
            _ = self._sweep  # checks that the samples lie on the sweep grid

    @cached_property
    def _sweep(self) -> tuple[np.ndarray, np.ndarray]:
        """(sweep voltages in V, measured formed fraction at each) of the empirical samples."""
        return sweep_cdf(self.samples_V, self.sweep_step_V, f"{_NAME}.samples_V")

    def cdf(self, voltage_V: ArrayLike) -> np.ndarray:
        """Formed fraction P(V_bd ≤ V) at programming voltage(s) ``voltage_V`` (V), elementwise.

        Empirical: the measured fraction at the sweep voltages and linear in between (each cell's
        breakdown voltage uniform within its sweep step, as :meth:`sample` draws it).
        """
        return _CDF[self.distribution](self, np.asarray(voltage_V, dtype=float))

    def ppf(self, formed_fraction: ArrayLike) -> np.ndarray:
        """Programming voltage (V) at which ``formed_fraction`` of the cells have formed, elementwise.

        The inverse of :meth:`cdf` (±inf at fractions 0 and 1 where the distribution is unbounded).
        Empirical: the sweep voltage whose measured formed fraction is closest (the lower one on a tie):
        the data give the fraction exactly there only.
        """
        return _PPF[self.distribution](self, np.asarray(formed_fraction, dtype=float))

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw one breakdown voltage (V) per cell.

        Empirical: a recorded voltage drawn with replacement, minus a uniform fraction of the sweep step.
        """
        return _SAMPLE[self.distribution](self, shape, rng)

    def unformed_fraction(self, voltage_V: float) -> float:
        """Expected fraction of cells left unformed at programming voltage ``voltage_V``: P(V_bd > V)."""
        return float(1.0 - self.cdf(check_finite("voltage_V", voltage_V)))

    def voltage_for_unformed_fraction(self, fraction: float) -> float:
        """Programming voltage (V) that leaves ``fraction`` of the cells unformed: ``ppf(1 − fraction)``.

        The fraction must lie in (0, 1), or in [0, 1] for the empirical distribution, which returns a
        sweep voltage (see :meth:`ppf`).
        """
        f = check_fraction("fraction", fraction)
        if self.distribution != "empirical" and not 0.0 < f < 1.0:
            raise ParameterError("fraction", fraction,
                                 f"must lie in (0, 1) for a {self.distribution} breakdown distribution")
        return float(self.ppf(1.0 - f))



def _weibull_cdf(m: BreakdownVoltageModel, v: np.ndarray) -> np.ndarray:
    z = np.maximum(v - m.weibull_threshold_V, 0.0) / m.weibull_scale_V
    return (-np.expm1(-(z**m.weibull_shape))) ** m.weibull_exponent


def _weibull_ppf(m: BreakdownVoltageModel, p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        z = (-np.log1p(-(p ** (1.0 / m.weibull_exponent)))) ** (1.0 / m.weibull_shape)
    return m.weibull_threshold_V + m.weibull_scale_V * z


def _weibull_sample(m: BreakdownVoltageModel, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return _weibull_ppf(m, rng.random(shape))  # u in [0, 1): finite voltages


def _normal_cdf(m: BreakdownVoltageModel, v: np.ndarray) -> np.ndarray:
    return ndtr((v - m.mean_V) / m.std_V)


def _normal_ppf(m: BreakdownVoltageModel, p: np.ndarray) -> np.ndarray:
    return m.mean_V + m.std_V * ndtri(p)


def _normal_sample(m: BreakdownVoltageModel, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return rng.normal(m.mean_V, m.std_V, size=shape)


def _skew_cdf(m: BreakdownVoltageModel, v: np.ndarray) -> np.ndarray:
    z = (v - m.skew_location_V) / m.skew_scale_V
    return np.clip(ndtr(z) - 2.0 * owens_t(z, m.skew_shape), 0.0, 1.0)


def _skew_ppf(m: BreakdownVoltageModel, p: np.ndarray) -> np.ndarray:
    # The quantile lies between those of −|Z| and |Z| (shape −∞ and +∞); bisect the cdf in between.
    inner = np.clip(p, 1e-300, 1.0 - 1e-16)
    low = m.skew_location_V + m.skew_scale_V * ndtri(inner / 2.0)
    high = m.skew_location_V + m.skew_scale_V * ndtri((1.0 + inner) / 2.0)
    for _ in range(80):
        mid = (low + high) / 2.0
        below = _skew_cdf(m, mid) < inner
        low, high = np.where(below, mid, low), np.where(below, high, mid)
    return np.select([p <= 0.0, p >= 1.0], [-np.inf, np.inf], (low + high) / 2.0)


def _skew_sample(m: BreakdownVoltageModel, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    delta = m.skew_shape / np.sqrt(1.0 + m.skew_shape**2)
    half, other = np.abs(rng.standard_normal(shape)), rng.standard_normal(shape)
    return m.skew_location_V + m.skew_scale_V * (delta * half + np.sqrt(1.0 - delta**2) * other)


def _gumbel_cdf(m: BreakdownVoltageModel, v: np.ndarray) -> np.ndarray:
    return -np.expm1(-np.exp((v - m.gumbel_location_V) / m.gumbel_scale_V))


def _gumbel_ppf(m: BreakdownVoltageModel, p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return m.gumbel_location_V + m.gumbel_scale_V * np.log(-np.log1p(-p))


def _gumbel_sample(m: BreakdownVoltageModel, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return -rng.gumbel(-m.gumbel_location_V, m.gumbel_scale_V, size=shape)  # minus a largest-value Gumbel


def _empirical_cdf(m: BreakdownVoltageModel, v: np.ndarray) -> np.ndarray:
    voltages_V, formed = m._sweep
    return np.interp(v, voltages_V, formed)


def _empirical_ppf(m: BreakdownVoltageModel, p: np.ndarray) -> np.ndarray:
    voltages_V, formed = m._sweep
    return voltages_V[np.argmin(np.abs(formed - p[..., None]), axis=-1)]


def _empirical_sample(m: BreakdownVoltageModel, shape: tuple[int, ...],
                      rng: np.random.Generator) -> np.ndarray:
    recorded = resample(np.asarray(m.samples_V), shape, rng)
    return recorded - m.sweep_step_V * rng.random(shape)  # uniform in (recorded − step, recorded]


_Elementwise = Callable[[BreakdownVoltageModel, np.ndarray], np.ndarray]
_CDF: dict[str, _Elementwise] = {"weibull": _weibull_cdf, "normal": _normal_cdf, "skew_normal": _skew_cdf,
                                 "gumbel_min": _gumbel_cdf, "empirical": _empirical_cdf}
_PPF: dict[str, _Elementwise] = {"weibull": _weibull_ppf, "normal": _normal_ppf, "skew_normal": _skew_ppf,
                                 "gumbel_min": _gumbel_ppf, "empirical": _empirical_ppf}
_SAMPLE: dict[str, Callable[[BreakdownVoltageModel, tuple[int, ...], np.random.Generator], np.ndarray]] = {
    "weibull": _weibull_sample, "normal": _normal_sample, "skew_normal": _skew_sample,
    "gumbel_min": _gumbel_sample, "empirical": _empirical_sample}
