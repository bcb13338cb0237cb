"""Estimate a device model from measured breakdown voltages and conductance maps.

Designed for the data of Wang et al., Nat. Mach. Intell. 5, 104 (2023): 400 breakdown voltages of a
20×20 array, and conductance maps in which unformed cells read as 0. What the data cannot tell
(pristine conductance, drift, stuck cells) is taken from ``base``.

The breakdown voltages were recorded on a voltage sweep with a fixed step (20 mV in the paper): a cell
recorded at V broke down somewhere in (V − step, V]. The fits treat them so (interval censoring): the
likelihood of a cell is F(V) − F(V − step), never the density at the rounded-up recorded value, which
would put every fit half a step (10 mV) too high.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, get_args

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logit

from device_models.breakdown import BreakdownVoltageModel, sweep_cdf
from device_models.conductance import FORMED_DISTRIBUTIONS, FormedConductanceModel
from device_models.device import RRAMDeviceModel
from device_models.errors import (
    ParameterError,
    check_choice,
    check_nonnegative,
    check_samples,
)
from device_models.sampling import lognormal_moments

BreakdownCandidate = Literal["weibull", "weibull_threshold", "exponentiated_weibull", "normal", "skew_normal",
                             "gumbel_min", "empirical"]
BREAKDOWN_CANDIDATES: tuple[str, ...] = get_args(BreakdownCandidate)
_EULER_GAMMA = 0.5772156649015329
_NELDER_MEAD = {"xatol": 1e-9, "fatol": 1e-9, "maxiter": 20000, "maxfev": 20000}


@dataclass(frozen=True)
class BreakdownFit:
    """One candidate breakdown distribution fitted to sweep-recorded voltages.

    Attributes:
        candidate: which candidate (see :func:`compare_breakdown_fits`).
        model: the fitted model.
        log_likelihood: interval-censored log-likelihood, Σ over cells of ln(F(V) − F(V − step)).
        n_parameters: number of fitted parameters.
        max_cdf_error: largest |model cdf − measured formed fraction| over the sweep voltages.
    """

    candidate: str
    model: BreakdownVoltageModel
    log_likelihood: float
    n_parameters: int
    max_cdf_error: float

    @property
    def aic(self) -> float:
        """Akaike information criterion, 2 k − 2 ln L (lower is better)."""
        return 2.0 * self.n_parameters - 2.0 * self.log_likelihood


@dataclass(frozen=True)
class _SweepData:
    voltages_V: np.ndarray  # sweep voltages; consecutive ones bound each cell's breakdown interval
    formed: np.ndarray  # measured formed fraction at each
    counts: np.ndarray  # cells that broke down within each step

    @classmethod
    def of(cls, breakdown_voltages_V: np.ndarray, sweep_step_V: float) -> _SweepData:
        voltages_V, formed = sweep_cdf(breakdown_voltages_V, sweep_step_V, "breakdown_voltages_V")
        counts = np.rint(np.diff(formed) * np.size(breakdown_voltages_V))
        return cls(voltages_V, formed, counts)

    def moments(self) -> tuple[float, float]:
        """(mean, std) in V of the cells placed at the middle of their step."""
        middle = (self.voltages_V[1:] + self.voltages_V[:-1]) / 2.0
        mean = float(np.average(middle, weights=self.counts))
        return mean, float(np.sqrt(np.average((middle - mean) ** 2, weights=self.counts)))

    def log_likelihood(self, model: BreakdownVoltageModel) -> float:
        hit = self.counts > 0
        with np.errstate(divide="ignore"):
            return float(np.sum(self.counts[hit] * np.log(np.diff(model.cdf(self.voltages_V))[hit])))

    def fit(self, candidate: str, model: BreakdownVoltageModel, n_parameters: int) -> BreakdownFit:
        error = float(np.max(np.abs(model.cdf(self.voltages_V) - self.formed)))
        return BreakdownFit(candidate, model, self.log_likelihood(model), n_parameters, error)


def _maximise(data: _SweepData, make: Callable[[np.ndarray], BreakdownVoltageModel],
              starts: list[list[float]]) -> np.ndarray:
    """The parameter vector maximising the likelihood of ``make(theta)``, best over Nelder-Mead starts."""

    def negative_log_likelihood(theta: np.ndarray) -> float:
        try:
            model = make(theta)
        except ParameterError:  # an exponent overflowed: outside the admissible parameters
            return math.inf
        value = -data.log_likelihood(model)
        return math.inf if math.isnan(value) else value

    with np.errstate(over="ignore", invalid="ignore"):
        results = [minimize(negative_log_likelihood, np.asarray(x0, dtype=float), method="Nelder-Mead",
                            options=_NELDER_MEAD) for x0 in starts]
    return min(results, key=lambda r: r.fun).x


def _weibull_moment_start(mean: float, std: float, shape: float, ceiling_V: float) -> list[float]:
    """(ln η, ln β, logit(V0 / ceiling)) of the threshold Weibull of shape β with this mean and std."""
    g1, g2 = math.gamma(1.0 + 1.0 / shape), math.gamma(1.0 + 2.0 / shape)
    scale = std / math.sqrt(g2 - g1**2)
    threshold = min(max(mean - scale * g1, 0.01 * ceiling_V), 0.99 * ceiling_V)
    return [math.log(scale), math.log(shape), float(logit(threshold / ceiling_V))]


def _fit_candidate(data: _SweepData, candidate: str, breakdown_voltages_V: np.ndarray,
                   sweep_step_V: float) -> BreakdownFit:
    mean, std = data.moments()
    ceiling_V = float(data.voltages_V[1])  # the threshold must lie below the lowest recorded voltage
    if candidate == "empirical":
        model = BreakdownVoltageModel(distribution="empirical", samples_V=tuple(breakdown_voltages_V),
                                      sweep_step_V=sweep_step_V)
        return data.fit(candidate, model, data.counts.size - 1)  # one probability per step, summing to 1
    if candidate == "normal":
        def make(t: np.ndarray) -> BreakdownVoltageModel:
            return BreakdownVoltageModel(distribution="normal", mean_V=t[0], std_V=np.exp(t[1]))
        starts = [[mean, math.log(std)]]
    elif candidate == "gumbel_min":
        def make(t: np.ndarray) -> BreakdownVoltageModel:
            return BreakdownVoltageModel(distribution="gumbel_min", gumbel_location_V=t[0],
                                         gumbel_scale_V=np.exp(t[1]))
        scale = std * math.sqrt(6.0) / math.pi
        starts = [[mean + _EULER_GAMMA * scale, math.log(scale)]]
    elif candidate == "skew_normal":
        def make(t: np.ndarray) -> BreakdownVoltageModel:
            return BreakdownVoltageModel(distribution="skew_normal", skew_location_V=t[0],
                                         skew_scale_V=np.exp(t[1]), skew_shape=t[2])
        starts = []
        for shape in (-3.0, 0.0, 3.0):  # moment-matched starts on either side of the normal
            delta = shape / math.sqrt(1.0 + shape**2)
            scale = std / math.sqrt(1.0 - 2.0 * delta**2 / math.pi)
            starts.append([mean - scale * delta * math.sqrt(2.0 / math.pi), math.log(scale), shape])
    elif candidate == "weibull":
        def make(t: np.ndarray) -> BreakdownVoltageModel:
            return BreakdownVoltageModel(distribution="weibull", weibull_scale_V=np.exp(t[0]),
                                         weibull_shape=np.exp(t[1]), weibull_threshold_V=0.0,
                                         weibull_exponent=1.0)
        shape = math.pi / math.sqrt(6.0) * mean / std  # ln V_bd is a Gumbel-min of scale 1/β ≈ std/mean
        starts = [[math.log(mean) + _EULER_GAMMA / shape, math.log(shape)]]
    elif candidate == "weibull_threshold":
        def make(t: np.ndarray) -> BreakdownVoltageModel:
            return BreakdownVoltageModel(distribution="weibull", weibull_scale_V=np.exp(t[0]),
                                         weibull_shape=np.exp(t[1]),
                                         weibull_threshold_V=ceiling_V * expit(t[2]), weibull_exponent=1.0)
        starts = [_weibull_moment_start(mean, std, shape, ceiling_V) for shape in (2.0, 3.6, 8.0)]
    else:  # exponentiated_weibull, started from the threshold Weibull (exponent 1) and either side of it
        def make(t: np.ndarray) -> BreakdownVoltageModel:
            return BreakdownVoltageModel(distribution="weibull", weibull_scale_V=np.exp(t[0]),
                                         weibull_shape=np.exp(t[1]),
                                         weibull_threshold_V=ceiling_V * expit(t[2]),
                                         weibull_exponent=np.exp(t[3]))
        threshold_fit = _fit_candidate(data, "weibull_threshold", breakdown_voltages_V, sweep_step_V).model
        nested = [math.log(threshold_fit.weibull_scale_V), math.log(threshold_fit.weibull_shape),
                  float(logit(threshold_fit.weibull_threshold_V / ceiling_V))]
        starts = [[*nested, math.log(exponent)] for exponent in (0.5, 1.0, 2.0)]
    theta = _maximise(data, make, starts)
    return data.fit(candidate, make(theta), theta.size)


def compare_breakdown_fits(breakdown_voltages_V: np.ndarray,
                           sweep_step_V: float = 0.02) -> tuple[BreakdownFit, ...]:
    """Every candidate breakdown distribution fitted to sweep-recorded voltages, lowest AIC first.

    Each parametric candidate is the maximum of the interval-censored likelihood (module docstring):
    ``"weibull"`` (two-parameter), ``"weibull_threshold"`` (with threshold V0), ``"exponentiated_weibull"``
    (threshold and exponent α), ``"normal"``, ``"skew_normal"``, ``"gumbel_min"``. ``"empirical"`` is
    the measured distribution itself (one probability per sweep step; it fits the cdf exactly).

    Args:
        breakdown_voltages_V: recorded breakdown voltages in volts, on a sweep of ``sweep_step_V`` steps.
        sweep_step_V: the sweep step in volts (20 mV for the paper's data).
    """
    v = check_samples("breakdown_voltages_V", breakdown_voltages_V)
    data = _SweepData.of(v, sweep_step_V)
    fits = [_fit_candidate(data, c, v, sweep_step_V) for c in BREAKDOWN_CANDIDATES]
    return tuple(sorted(fits, key=lambda f: f.aic))


def fit_breakdown(breakdown_voltages_V: np.ndarray,
                  distribution: Literal["auto"] | BreakdownCandidate = "auto",
                  sweep_step_V: float = 0.02) -> BreakdownVoltageModel:
    """Breakdown model fitted to sweep-recorded voltages (V) by interval-censored maximum likelihood.

    ``distribution``: one of :data:`BREAKDOWN_CANDIDATES` (see :func:`compare_breakdown_fits`), or
    ``"auto"`` for the candidate with the lowest AIC. ``sweep_step_V``: the sweep step in volts.
    """
    check_choice("breakdown_distribution", distribution, ("auto", *BREAKDOWN_CANDIDATES))
    if distribution == "auto":
        return compare_breakdown_fits(breakdown_voltages_V, sweep_step_V)[0].model
    v = check_samples("breakdown_voltages_V", breakdown_voltages_V)
    return _fit_candidate(_SweepData.of(v, sweep_step_V), distribution, v, sweep_step_V).model


def split_conductance_maps(conductance_maps_S: list[np.ndarray],
                           unformed_threshold_S: float = 1e-6) -> tuple[float, np.ndarray]:
    """(unformed fraction, formed conductances in S) of the pooled maps; cells ≤ threshold are unformed."""
    threshold = check_nonnegative("unformed_threshold_S", unformed_threshold_S)
    if len(conductance_maps_S) == 0:
        raise ParameterError("conductance_maps_S", conductance_maps_S, "needs at least one map")
    pooled = np.concatenate([np.asarray(m, dtype=float).ravel() for m in conductance_maps_S])
    pooled = check_samples("conductance_maps_S", pooled)
    formed = pooled > threshold
    return float(1.0 - formed.mean()), pooled[formed]


def fit_formed(
    formed_S: np.ndarray, distribution: Literal["normal", "lognormal", "empirical"] = "normal"
) -> FormedConductanceModel:
    """Formed-state model from formed-cell conductances (S).

    normal: sample mean and ddof=1 std; lognormal: maximum-likelihood fit of log G, reported as the
    lognormal's mean and std; empirical: the samples themselves (mean/std still filled in).
    """
    g = check_samples("formed_conductance_S", formed_S)
    check_choice("formed_distribution", distribution, FORMED_DISTRIBUTIONS)
    mean_S, std_S = float(g.mean()), float(g.std(ddof=1))
    if distribution == "lognormal":
        if np.any(g <= 0):
            raise ParameterError("formed_conductance_S", f"<min {float(g.min())!r}>",
                                 "must be > 0 for a lognormal fit")
        log_g = np.log(g)
        mean_S, std_S = lognormal_moments(float(log_g.mean()), float(log_g.std(ddof=0)))
    return FormedConductanceModel(distribution=distribution, mean_S=mean_S, std_S=std_S,
                                  samples_S=tuple(g) if distribution == "empirical" else ())


def calibrate_from_measurements(
    breakdown_voltages_V: np.ndarray,
    conductance_maps_S: list[np.ndarray],
    *,
    breakdown_distribution: Literal["auto"] | BreakdownCandidate = "auto",
    formed_distribution: Literal["normal", "lognormal", "empirical"] = "normal",
    sweep_step_V: float = 0.02,
    unformed_threshold_S: float = 1e-6,
    base: RRAMDeviceModel | None = None,
) -> RRAMDeviceModel:
    """A device model fitted to measurements.

    The breakdown distribution is fitted to ``breakdown_voltages_V``, recorded on a sweep of
    ``sweep_step_V`` steps (see :func:`fit_breakdown`; ``"auto"`` picks the lowest AIC). The maps
    (pooled) give the unformed fraction (cells ≤ ``unformed_threshold_S``, default 1 µS, between the
    0.1 µS pristine and the ≈ 12 µS formed levels) and the formed-state distribution. The programming
    voltage is set so that the fitted breakdown model reproduces the measured unformed fraction.
    """
    breakdown = fit_breakdown(breakdown_voltages_V, breakdown_distribution, sweep_step_V)
    unformed, formed_S = split_conductance_maps(conductance_maps_S, unformed_threshold_S)
    formed = fit_formed(formed_S, formed_distribution)
    model = replace(base or RRAMDeviceModel(), breakdown=breakdown, formed=formed)
    return model.with_unformed_fraction(unformed)
