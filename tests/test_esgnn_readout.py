"""Ridge readout: the closed form, the two-class sign decision, and standardisation of a bias column."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.esgnn.readout import RidgeReadout


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
    weights = RidgeReadout(ridge).fit(e, labels, 3).weights
    np.testing.assert_allclose(weights, expected, rtol=1e-8, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), ridge=st.sampled_from([1e-3, 0.1, 5.0]))
def test_two_class_argmax_equals_sign_of_pm1_readout(seed: int, ridge: float) -> None:
    e, labels = _data(seed, classes=2)
    test = _data(seed + 1, samples=200)[0]
    w_pm = np.linalg.solve(e.T @ e + ridge * np.eye(e.shape[1]), e.T @ np.where(labels == 1, 1.0, -1.0))
    scores = test @ w_pm
    decided = np.abs(scores) > 1e-9  # an exact tie has no sign to compare
    predicted = RidgeReadout(ridge).fit(e, labels, 2).predict(test)
    assert decided.sum() > 190
    np.testing.assert_array_equal(predicted[decided], (scores[decided] > 0).astype(int))


def test_standardize_leaves_constant_column_untouched() -> None:
    e, labels = _data(5)
    e[:, -1] = 3.0
    standardized = RidgeReadout(1e-2, standardize=True).fit(e, labels, 3)
    by_hand = e.copy()
    by_hand[:, :-1] = (e[:, :-1] - e[:, :-1].mean(axis=0)) / e[:, :-1].std(axis=0)
    plain = RidgeReadout(1e-2).fit(by_hand, labels, 3)
    np.testing.assert_allclose(standardized.weights, plain.weights, rtol=1e-10, atol=1e-12)
    assert np.all(np.abs(standardized.weights[-1]) > 1e-3)  # the bias column still carries weight
    test = _data(6)[0]
    test[:, -1] = 3.0
    np.testing.assert_array_equal(standardized.predict(test), plain.predict(
        np.hstack([(test[:, :-1] - e[:, :-1].mean(axis=0)) / e[:, :-1].std(axis=0), test[:, -1:]])))
