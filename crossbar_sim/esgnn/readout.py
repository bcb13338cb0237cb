"""Closed-form ridge readout, the only trained part of an echo state network."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from device_models.errors import ParameterError, check_nonnegative


class RidgeReadout:
    """Linear readout W_out = Y Eᵀ (E Eᵀ + λI)⁻¹ on one-hot targets; prediction is the arg-max output.

    For two classes this is the same decision as the paper's single ±1 output with a sign: the ridge
    solution is linear in the targets, and the difference of the two one-hot targets is the ±1 target.
    """

    def __init__(self, ridge: float = 1e-3, standardize: bool = False) -> None:
        self.ridge = check_nonnegative("ridge", ridge)
        self.standardize = bool(standardize)
        self.weights: np.ndarray | None = None
        self._shift: np.ndarray | float = 0.0
        self._scale: np.ndarray | float = 1.0

    def _features(self, embeddings: np.ndarray) -> np.ndarray:
        return (embeddings - self._shift) / self._scale

    def fit(self, embeddings: np.ndarray, labels: np.ndarray, num_classes: int) -> RidgeReadout:
        """Fit on ``embeddings`` (samples, features) and integer ``labels`` in 0..num_classes-1.

        With ``standardize``, every feature but a constant one (the bias) is shifted and scaled to zero
        mean and unit variance on the training samples first, so one ridge value suits features whose
        magnitudes differ by orders (sum vs mean pooling over graphs of very different sizes).
        """
        if self.standardize:
            std = embeddings.std(axis=0)
            constant = std == 0
            self._shift = np.where(constant, 0.0, embeddings.mean(axis=0))
            self._scale = np.where(constant, 1.0, std)
        embeddings = self._features(embeddings)
        targets = np.eye(num_classes)[labels]
        gram = embeddings.T @ embeddings
        gram[np.diag_indices_from(gram)] += self.ridge
        self.weights = np.linalg.solve(gram, embeddings.T @ targets)
        return self

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        if self.weights is None:
            raise RuntimeError("RidgeReadout.predict called before fit")
        return np.argmax(self._features(embeddings) @ self.weights, axis=1)


def select_ridge(
    train_embeddings: np.ndarray,
    train_labels: np.ndarray,
    val_embeddings: np.ndarray,
    val_labels: np.ndarray,
    num_classes: int,
    candidates: Sequence[float],
    standardize: bool = False,
) -> float:
    """The ridge value among ``candidates`` with the best validation accuracy (the smallest on ties)."""
    if not candidates:
        raise ParameterError("ridge_candidates", list(candidates), "needs at least one value")
    best, best_acc = None, -1.0
    for ridge in sorted(candidates):
        readout = RidgeReadout(ridge, standardize).fit(train_embeddings, train_labels, num_classes)
        acc = float(np.mean(readout.predict(val_embeddings) == val_labels))
        if acc > best_acc:
            best, best_acc = ridge, acc
    return float(best)
