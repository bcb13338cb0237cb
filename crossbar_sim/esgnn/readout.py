"""The trained part of an echo state network: a linear readout on the embeddings, fitted on the host.

Two readouts share one interface (``fit(E, labels, K, penalty)``, ``predict``, ``decision``):

- ridge regression on one-hot targets in closed form, W = (EᵀE + λI)⁻¹EᵀY (the paper's readout);
  :class:`RidgePath` diagonalises EᵀE once per feature matrix, so every λ costs one small product;
- multinomial logistic regression with an L2 penalty, fitted with L-BFGS (``scipy.optimize``);
  :class:`LogisticPath` warm-starts each penalty from the previous (larger) one.

Both take the penalty as λ on the sum over samples (ridge: Σ‖y − Wᵀe‖² + λ‖W‖²; logistic: Σ cross-
entropy + λ/2·‖W‖² without the constant column), so one grid of values suits either. With
``standardize`` every non-constant feature is shifted and scaled to zero mean and unit variance on the
fitting samples first. :func:`select_penalty` scores candidate penalties on validation samples only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from scipy.optimize import minimize

from crossbar_sim.common.blas import single_threaded_blas
from device_models.errors import ParameterError

ReadoutKind = Literal["ridge", "logistic"]
READOUT_KINDS = ("ridge", "logistic")


class _Standardizer:
    """Per-feature shift and scale from fitting samples; constant features (the bias) are left as they are."""

    def __init__(self, embeddings: np.ndarray, enabled: bool) -> None:
        if enabled:
            std = embeddings.std(axis=0)
            constant = std == 0
            self.shift = np.where(constant, 0.0, embeddings.mean(axis=0))
            self.scale = np.where(constant, 1.0, std)
        else:
            self.shift, self.scale = np.zeros(embeddings.shape[1]), np.ones(embeddings.shape[1])
        self.constant = embeddings.std(axis=0) == 0

    def __call__(self, embeddings: np.ndarray) -> np.ndarray:
        return (embeddings - self.shift) / self.scale


def gram_eigen(embeddings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenpairs (s, V) of EᵀE on the row space of E, V (features, rank) orthonormal.

    Diagonalises EᵀE when there are no more features than samples, else EEᵀ (samples × samples; its
    zero eigenvalues dropped), so the cost follows the smaller side: many pooled features on a few
    hundred graphs cost what the graphs do.
    """
    n, f = embeddings.shape
    if f <= n:
        return np.linalg.eigh(embeddings.T @ embeddings)
    s, u = np.linalg.eigh(embeddings @ embeddings.T)
    keep = s > 1e-12 * max(float(s.max()), 1e-300)
    return s[keep], (embeddings.T @ u[:, keep]) / np.sqrt(s[keep])


class RidgePath:
    """Ridge readouts for any λ from one eigendecomposition of EᵀE (fitted on ``embeddings``)."""

    def __init__(self, embeddings: np.ndarray, labels: np.ndarray, num_classes: int,
                 standardize: bool = False) -> None:
        self.standardizer = _Standardizer(embeddings, standardize)
        e = self.standardizer(embeddings)
        self.eigenvalues, self.eigenvectors = gram_eigen(e)
        self.projected_targets = self.eigenvectors.T @ (e.T @ np.eye(num_classes)[labels])

    def _inverse(self, ridge: float) -> np.ndarray:
        """1/(s + λ) per eigenvalue; directions with s + λ at rounding level count as 0 (a pseudo-inverse)."""
        total = self.eigenvalues + ridge
        floor = 1e-12 * max(float(np.max(np.abs(self.eigenvalues))), 1e-300)
        return np.where(total > floor, 1.0 / np.where(total > floor, total, 1.0), 0.0)

    def weights(self, ridge: float) -> np.ndarray:
        """(features, classes) readout weights for ``ridge`` (on standardised features)."""
        return self.eigenvectors @ (self._inverse(ridge)[:, None] * self.projected_targets)

    def decisions(self, embeddings: np.ndarray, ridges: Sequence[float]) -> np.ndarray:
        """(len(ridges), samples, classes) readout outputs for every ridge value at once."""
        rotated = self.standardizer(embeddings) @ self.eigenvectors
        inverse = np.stack([self._inverse(r) for r in ridges])  # (L, F)
        return np.einsum("nf,lf,fk->lnk", rotated, inverse, self.projected_targets)


class LogisticPath:
    """Multinomial logistic readouts fitted with L-BFGS, warm-started along decreasing penalties.

    The fit runs in an orthonormal basis B of the row space of E (plus the unpenalised constant
    columns, where the optimum also lies), each coordinate scaled by √(‖E·b‖²/4 + λ): there the
    curvature of the objective (at most EᵀE/4 from the cross-entropy, plus λ) is close to the identity,
    so L-BFGS needs tens of iterations where on raw sum-pooled features it needs thousands.
    """

    def __init__(self, embeddings: np.ndarray, labels: np.ndarray, num_classes: int,
                 standardize: bool = False) -> None:
        self.standardizer = _Standardizer(embeddings, standardize)
        self.features = self.standardizer(embeddings)
        self.targets = np.eye(num_classes)[labels]
        self.penalised = (~self.standardizer.constant).astype(float)[:, None]
        eigenvalues, basis = gram_eigen(self.features)
        if basis.shape[1] < basis.shape[0]:  # a row space smaller than the features: add the free columns
            free = np.eye(basis.shape[0])[:, self.standardizer.constant]
            basis = np.linalg.qr(np.hstack([basis, free]))[0]
        self.basis = basis
        self.rotated = self.features @ basis
        self.curvature = np.sum(self.rotated**2, axis=0)
        self._solutions: dict[float, np.ndarray] = {}
        self._last: np.ndarray | None = None

    def _objective(self, flat: np.ndarray, penalty: float, scale: np.ndarray) -> tuple[float, np.ndarray]:
        w_rotated = flat.reshape(self.basis.shape[1], self.targets.shape[1]) / scale[:, None]
        z = self.rotated @ w_rotated
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        w = self.basis @ w_rotated
        penalised = self.penalised * w
        loss = -float(np.sum(self.targets * log_p)) + 0.5 * penalty * float(np.sum(penalised * w))
        grad = self.rotated.T @ (np.exp(log_p) - self.targets) + penalty * (self.basis.T @ penalised)
        return loss, (grad / scale[:, None]).ravel()

    def weights(self, penalty: float) -> np.ndarray:
        """(features, classes) weights minimising the penalised cross-entropy (cached per penalty)."""
        if penalty not in self._solutions:
            shape = (self.basis.shape[1], self.targets.shape[1])
            scale = np.sqrt(self.curvature / 4 + max(penalty, 1e-8 * len(self.features)))
            start = (np.zeros(shape) if self._last is None
                     else (self.basis.T @ self._last) * scale[:, None])
            # one BLAS thread: L-BFGS makes many tiny BLAS calls, and the threads of numpy's and scipy's
            # OpenBLAS builds waking for each of them cost 20x the fit on two busy cores
            with single_threaded_blas():
                result = minimize(self._objective, start.ravel(), args=(penalty, scale), jac=True,
                                  method="L-BFGS-B",
                                  options={"maxiter": 200, "gtol": 1e-6 * max(1, len(self.features))})
            self._last = self.basis @ (result.x.reshape(shape) / scale[:, None])
            self._solutions[penalty] = self._last
        return self._solutions[penalty]

    def decisions(self, embeddings: np.ndarray, penalties: Sequence[float]) -> np.ndarray:
        """(len(penalties), samples, classes) class scores, fitting the penalties largest first."""
        x = self.standardizer(embeddings)
        for penalty in sorted(set(penalties), reverse=True):
            self.weights(penalty)
        return np.stack([x @ self.weights(p) for p in penalties])


def readout_path(kind: ReadoutKind, embeddings: np.ndarray, labels: np.ndarray, num_classes: int,
                 standardize: bool) -> RidgePath | LogisticPath:
    """The readout of ``kind`` fitted on ``embeddings``, for any penalty."""
    if kind == "ridge":
        return RidgePath(embeddings, labels, num_classes, standardize)
    if kind == "logistic":
        return LogisticPath(embeddings, labels, num_classes, standardize)
    raise ParameterError("kind", kind, f"must be one of {', '.join(READOUT_KINDS)}")


def validation_accuracies(path: RidgePath | LogisticPath, embeddings: np.ndarray, labels: np.ndarray,
                          penalties: Sequence[float]) -> np.ndarray:
    """(len(penalties),) accuracy of each penalty's readout on the validation samples given."""
    predicted = np.argmax(path.decisions(embeddings, penalties), axis=2)
    return np.mean(predicted == np.asarray(labels)[None, :], axis=1)


def select_penalty(accuracies: np.ndarray, penalties: Sequence[float]) -> float:
    """The penalty with the best validation accuracy; ties go to the largest (the smoothest readout)."""
    if len(penalties) == 0:
        raise ParameterError("ridge_candidates", list(penalties), "needs at least one value")
    order = np.argsort(-np.asarray(penalties, dtype=float), kind="stable")
    return float(np.asarray(penalties, dtype=float)[order[np.argmax(np.asarray(accuracies)[order])]])
