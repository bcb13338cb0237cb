"""Logical signed matrix → non-negative conductances (differential pairs or offset columns).

Orientation: a logical matrix W is (out, in); on the array inputs drive rows (word lines) and
outputs are sensed on columns (bit lines), so conductance matrices here are (in, out).

Targets lie in the programming window [G_off, G_on] (G_on = g_max_S, G_off from
``MappingConfig.programming``; G_off = 0 S for the ideal window):

- Differential: W = k·(G⁺ − G⁻), k = ``weight_per_S`` (weight units per siemens). ``from_weights``
  puts the positive part on G⁺ and the negative part on G⁻ above G_off (the other cell, and both
  cells of a zero weight, at G_off) with max|W| at G_on. A pair takes two adjacent physical columns
  (G⁺ then G⁻).
- Offset (single-ended, as in Wang et al. 2023): W = k·G + w₀ with w₀ = w_min − k·G_off and
  w_min = min(W, 0), so w_min maps to G_off and max W to G_on; the w₀·Σx term is added digitally.

:func:`program_mapped` writes the targets with the write-verify error (:mod:`device_models.programming`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from crossbar_sim.mapping.config import MappingConfig
from device_models.errors import ParameterError, check_array


@dataclass(frozen=True)
class MappedMatrix:
    """A logical matrix as conductances (siemens, (in, out)).

    g_plus_S: G⁺ (differential) or G (offset).
    g_minus_S: G⁻ (differential) or None (offset).
    weight_per_S: k, logical weight per siemens.
    weight_offset: w₀ added to every weight (offset mode; 0 for differential).
    """

    g_plus_S: np.ndarray
    g_minus_S: np.ndarray | None
    weight_per_S: float
    weight_offset: float = 0.0

    @property
    def mode(self) -> Literal["differential", "offset"]:
        return "offset" if self.g_minus_S is None else "differential"

    @property
    def analog_weights(self) -> np.ndarray:
        """(out, in) the part of W computed in the analogue domain: k(G⁺ − G⁻) or k·G."""
        g = self.g_plus_S if self.g_minus_S is None else self.g_plus_S - self.g_minus_S
        return self.weight_per_S * g.T

    @property
    def weights(self) -> np.ndarray:
        """(out, in) the logical matrix W."""
        return self.analog_weights + self.weight_offset

    def with_conductances(self, g_plus_S: np.ndarray, g_minus_S: np.ndarray | None) -> MappedMatrix:
        """The same mapping with other (e.g. drifted) conductances."""
        return MappedMatrix(g_plus_S, g_minus_S, self.weight_per_S, self.weight_offset)


def map_weights(weights: np.ndarray, config: MappingConfig) -> MappedMatrix:
    """Target conductances of a signed logical matrix (out, in) in the window [G_off, g_max_S]."""
    w = check_array("weights", weights, ndim=2, nonempty=True).T
    g_off = config.g_off_S
    window = config.g_max_S - g_off
    if config.mode == "differential":
        span = float(np.max(np.abs(w)))
        k = span / window if span > 0 else 1.0 / window
        return MappedMatrix(g_off + np.maximum(w, 0.0) / k, g_off + np.maximum(-w, 0.0) / k, k)
    w_min = min(float(w.min()), 0.0)
    span = float(w.max()) - w_min
    k = span / window if span > 0 else 1.0 / window
    return MappedMatrix(g_off + (w - w_min) / k, None, k, w_min - k * g_off)


def program_mapped(targets: MappedMatrix, config: MappingConfig, rng: np.random.Generator) -> MappedMatrix:
    """The conductances written for the targets of :func:`map_weights` by ``config.programming``
    (G⁺ and G⁻ from the two children of ``rng.spawn(2)``); the weights are the targets' own."""
    model, g_off = config.programming, config.g_off_S
    plus_rng, minus_rng = rng.spawn(2)
    g_minus = None if targets.g_minus_S is None else model.program(targets.g_minus_S, g_off, minus_rng)
    return targets.with_conductances(model.program(targets.g_plus_S, g_off, plus_rng), g_minus)


def map_conductances(g_plus_S: np.ndarray, g_minus_S: np.ndarray | None, weight_per_S: float) -> MappedMatrix:
    """Conductances (in, out) that define the weights themselves: W = k(G⁺ − G⁻) or W = k·G."""
    g_plus = check_array("g_plus_S", g_plus_S, ndim=2, nonempty=True, nonnegative=True)
    if g_minus_S is not None:
        g_minus_S = check_array("g_minus_S", g_minus_S, shape=g_plus.shape, nonnegative=True)
    if not np.isfinite(weight_per_S) or weight_per_S <= 0:
        raise ParameterError("weight_per_S", weight_per_S, "must be finite and > 0")
    return MappedMatrix(g_plus, g_minus_S, float(weight_per_S))
