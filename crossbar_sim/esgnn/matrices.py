"""The two ways an ESGNN weight matrix is applied: through simulated arrays, or ideally in float64."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from crossbar_sim.analog.ledger import EventLedger


class MatrixOperator(Protocol):
    """Anything that maps a batch of input columns through a fixed (out, in) weight matrix.

    ``ledger`` is where its reads are recorded (None: nowhere).
    """

    weights: np.ndarray
    ledger: EventLedger | None

    def matmul(self, inputs: np.ndarray) -> np.ndarray:
        """``inputs`` (in, batch) → outputs (out, batch)."""
        ...


class IdealMatrix:
    """Exact float64 products with a fixed weight matrix: the software baseline (records no reads)."""

    ledger: EventLedger | None = None

    def __init__(self, weights: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)

    def matmul(self, inputs: np.ndarray) -> np.ndarray:
        return self.weights @ inputs


class ProfilingMatrix(IdealMatrix):
    """An ideal matrix that keeps a bounded, evenly spaced sample of the input columns it sees.

    Used for the profiling pass that calibrates ADC ranges: the software run shows which inputs each
    array will receive.
    """

    def __init__(self, weights: np.ndarray, max_columns: int = 4096) -> None:
        super().__init__(weights)
        self.max_columns = max_columns
        self._seen: list[np.ndarray] = []

    def matmul(self, inputs: np.ndarray) -> np.ndarray:
        step = max(1, inputs.shape[1] // self.max_columns)
        self._seen.append(inputs[:, ::step].copy())  # a copy: a view would keep the whole batch alive
        return super().matmul(inputs)

    def profile(self) -> np.ndarray:
        """The sampled inputs (in, ≤ max_columns)."""
        seen = np.hstack(self._seen)
        step = max(1, seen.shape[1] // self.max_columns)
        return np.ascontiguousarray(seen[:, ::step])
