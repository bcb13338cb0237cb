"""Logical signed matrix → non-negative conductances (differential pairs or offset columns).

Orientation: a logical matrix W is (out, in); on the array inputs drive rows (word lines) and
outputs are sensed on columns (bit lines), so conductance matrices here are (in, out).

- Differential: W = k·(G⁺ − G⁻), k = ``weight_per_S`` (weight units per siemens). ``from_weights``
  puts the positive part on G⁺ and the negative part on G⁻ (the other cell at 0 S) with max|W| at
  g_max_S. A pair takes two adjacent physical columns (G⁺ then G⁻).
- Offset (single-ended, as in Wang et al. 2023): W = k·G + w_min with G >= 0 and w_min = min(W, 0);
  the w_min·Σx term is added digitally.
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
    weight_offset: w_min added to every weight (offset mode; 0 for differential).
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
    """Program a signed logical matrix (out, in) onto conductances with the largest at g_max_S."""
    w = check_array("weights", weights, ndim=2, nonempty=True).T
    if config.mode == "differential":
        span = float(np.max(np.abs(w)))
        k = span / config.g_max_S if span > 0 else 1.0 / config.g_max_S
        return MappedMatrix(np.maximum(w, 0.0) / k, np.maximum(-w, 0.0) / k, k)
    w_min = min(float(w.min()), 0.0)
    span = float(w.max()) - w_min
    k = span / config.g_max_S if span > 0 else 1.0 / config.g_max_S
    return MappedMatrix((w - w_min) / k, None, k, w_min)


def map_conductances(g_plus_S: np.ndarray, g_minus_S: np.ndarray | None, weight_per_S: float) -> MappedMatrix:
    """Conductances (in, out) that define the weights themselves: W = k(G⁺ − G⁻) or W = k·G."""
    g_plus = check_array("g_plus_S", g_plus_S, ndim=2, nonempty=True, nonnegative=True)
    if g_minus_S is not None:
        g_minus_S = check_array("g_minus_S", g_minus_S, shape=g_plus.shape, nonnegative=True)
    if not np.isfinite(weight_per_S) or weight_per_S <= 0:
        raise ParameterError("weight_per_S", weight_per_S, "must be finite and > 0")
    return MappedMatrix(g_plus, g_minus_S, float(weight_per_S))
