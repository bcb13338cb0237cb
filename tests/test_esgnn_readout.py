"""Readouts: ridge in closed form for every λ from one eigendecomposition, the two-class sign decision,
standardisation of a bias column, the logistic readout's optimum, and choosing a penalty."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from crossbar_sim.esgnn.readout import (
    LogisticPath,
    RidgePath,
    readout_path,
    select_penalty,
    validation_accuracies,
)
from device_models.errors import ParameterError


def _data(seed: int, samples: int = 40, features: int = 6, classes: int = 3
          ) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    embeddings = np.hstack([rng.standard_normal((samples, features)) * rng.uniform(0.1, 10, features),
                            np.ones((samples, 1))])
    return embeddings, rng.integers(0, classes, samples)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), ridge=st.sampled_from([0.0, 1e-3, 0.5, 10.0]))
def test_weights_equal_closed_form(seed: int, ridge: float) -> None:
    e, labels = _data(seed)
    y = np.eye(3)[labels]
    expected = np.linalg.inv(e.T @ e + ridge * np.eye(e.shape[1])) @ e.T @ y
    weights = RidgePath(e, labels, 3).weights(ridge)
    np.testing.assert_allclose(weights, expected, rtol=1e-8, atol=1e-10)


def test_decisions_for_many_ridges_equal_one_fit_each() -> None:
    e, labels = _data(3, samples=60)
    test = _data(4, samples=30)[0]
    ridges = (1e-4, 0.1, 3.0, 100.0)
    path = RidgePath(e, labels, 3, standardize=True)
    batch = path.decisions(test, ridges)
    assert batch.shape == (4, 30, 3)
    for k, ridge in enumerate(ridges):
        single = RidgePath(e, labels, 3, standardize=True).decisions(test, [ridge])[0]
        np.testing.assert_allclose(batch[k], single, rtol=1e-10, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), ridge=st.sampled_from([1e-3, 0.1, 5.0]))
def test_two_class_argmax_equals_sign_of_pm1_readout(seed: int, ridge: float) -> None:
    e, labels = _data(seed, classes=2)
    test = _data(seed + 1, samples=200)[0]
    w_pm = np.linalg.solve(e.T @ e + ridge * np.eye(e.shape[1]), e.T @ np.where(labels == 1, 1.0, -1.0))
    scores = test @ w_pm
    decided = np.abs(scores) > 1e-9  # an exact tie has no sign to compare
    predicted = np.argmax(RidgePath(e, labels, 2).decisions(test, [ridge])[0], axis=1)
    assert decided.sum() > 190
    np.testing.assert_array_equal(predicted[decided], (scores[decided] > 0).astype(int))


def test_standardize_leaves_constant_column_untouched() -> None:
    e, labels = _data(5)
    e[:, -1] = 3.0
    standardized = RidgePath(e, labels, 3, standardize=True)
    by_hand = e.copy()
    by_hand[:, :-1] = (e[:, :-1] - e[:, :-1].mean(axis=0)) / e[:, :-1].std(axis=0)
    plain = RidgePath(by_hand, labels, 3)
    np.testing.assert_allclose(standardized.weights(1e-2), plain.weights(1e-2), rtol=1e-10, atol=1e-12)
    assert np.all(np.abs(standardized.weights(1e-2)[-1]) > 1e-3)  # the bias column still carries weight
    test = _data(6)[0]
    test[:, -1] = 3.0
    shifted = np.hstack([(test[:, :-1] - e[:, :-1].mean(axis=0)) / e[:, :-1].std(axis=0), test[:, -1:]])
    np.testing.assert_allclose(standardized.decisions(test, [1e-2]), plain.decisions(shifted, [1e-2]),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("penalty", [0.01, 1.0, 30.0])
@pytest.mark.parametrize("standardize", [False, True])
def test_logistic_reaches_the_penalised_optimum(penalty: float, standardize: bool) -> None:
    """The preconditioned fit reaches the optimum a plain long L-BFGS run finds (constant column free)."""
    e, labels = _data(11, samples=200, classes=3)
    path = LogisticPath(e, labels, 3, standardize)
    x = path.features
    y = np.eye(3)[labels]
    mask = np.r_[np.ones(e.shape[1] - 1), 0.0][:, None]

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(-1, 3)
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return (-np.sum(y * log_p) + 0.5 * penalty * np.sum(mask * w * w),
                (x.T @ (np.exp(log_p) - y) + penalty * mask * w).ravel())

    reference = minimize(objective, np.zeros(x.shape[1] * 3), jac=True, method="L-BFGS-B",
                         options={"maxiter": 20000, "gtol": 1e-10, "ftol": 1e-15})
    assert objective(path.weights(penalty).ravel())[0] == pytest.approx(reference.fun, rel=1e-7)


def test_logistic_separates_what_it_is_shown() -> None:
    rng = np.random.default_rng(2)
    e = np.hstack([rng.standard_normal((300, 4)), np.ones((300, 1))])
    labels = (e[:, 0] + 0.5 * e[:, 1] > 0).astype(int)
    path = readout_path("logistic", e[:200], labels[:200], 2, standardize=True)
    accuracy = validation_accuracies(path, e[200:], labels[200:], [1e-2, 1e4])
    assert accuracy[0] > 0.95 and accuracy[1] < accuracy[0]


def test_select_penalty_prefers_the_largest_on_ties() -> None:
    assert select_penalty(np.array([0.8, 0.9, 0.9, 0.7]), (1e-3, 1e-2, 1e-1, 1.0)) == 0.1
    assert select_penalty(np.array([0.5]), (2.0,)) == 2.0
    with pytest.raises(ParameterError, match="ridge_candidates"):
        select_penalty(np.array([]), ())
    with pytest.raises(ParameterError, match="kind"):
        readout_path("svm", *_data(1), 3, False)  # type: ignore[arg-type]


def test_more_features_than_samples_use_the_row_space() -> None:
    """Wide embeddings (many pooled features, few graphs): the same ridge outputs and logistic optimum."""
    rng = np.random.default_rng(8)
    e = np.hstack([rng.standard_normal((30, 80)) * rng.uniform(0.5, 5, 80), np.ones((30, 1))])
    labels = rng.integers(0, 2, 30)
    test = np.hstack([rng.standard_normal((10, 80)), np.ones((10, 1))])
    for ridge in (1e-2, 1.0):
        expected = test @ np.linalg.solve(e.T @ e + ridge * np.eye(81), e.T @ np.eye(2)[labels])
        np.testing.assert_allclose(RidgePath(e, labels, 2).decisions(test, [ridge])[0], expected,
                                   rtol=1e-7, atol=1e-9)
    path = LogisticPath(e, labels, 2)
    w = path.weights(1.0)
    y = np.eye(2)[labels]
    p = np.exp(e @ w - np.log(np.exp(e @ w).sum(axis=1, keepdims=True)))
    gradient = e.T @ (p - y) + 1.0 * path.penalised * w
    assert np.max(np.abs(gradient)) < 1e-3 * np.max(np.abs(e.T @ y))  # stationary in every direction
