"""The two ways an ESGNN weight matrix is applied: through simulated arrays, or ideally in float64."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class MatrixOperator(Protocol):
    """Anything that maps a batch of input columns through a fixed (out, in) weight matrix."""

    weights: np.ndarray

    def matmul(self, inputs: np.ndarray) -> np.ndarray:
        """``inputs`` (in, batch) → outputs (out, batch)."""
        ...


class IdealMatrix:
    """Exact float64 products with a fixed weight matrix: the software baseline."""

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)

    def matmul(self, inputs: np.ndarray) -> np.ndarray:
        return self.weights @ inputs
