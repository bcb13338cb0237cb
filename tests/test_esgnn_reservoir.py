"""Batched reservoir against a per-graph loop of the paper's column form; ideal hardware vs float64."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.matrix import AnalogMatrix
from crossbar_sim.esgnn.datasets import GraphDataset, graphs_from_adjacency, load_dataset
from crossbar_sim.esgnn.matrices import IdealMatrix
from crossbar_sim.esgnn.reservoir import ReservoirConfig, project_inputs
from crossbar_sim.esgnn.tasks import graph_states_and_embeddings
from crossbar_sim.mapping.config import MappingConfig
from crossbar_sim.periphery.config import InputConfig
from device_models import RRAMDeviceModel


def per_graph_embeddings(dataset: GraphDataset, w_in: np.ndarray, w_rec: np.ndarray,
                         config: ReservoirConfig) -> np.ndarray:
    """The slow twin: per graph, X_t = (1−a)X + a·tanh(W_I[U;1] + (W_H X) A), e = [ReLU(Σ_nodes X_T); 1]."""
    a = config.leak_rate
    out = []
    for g in range(dataset.num_graphs):
        lo, hi = dataset.graph_ptr[g], dataset.graph_ptr[g + 1]
        adjacency = dataset.adjacency[lo:hi, lo:hi].toarray()
        u = dataset.node_features[lo:hi].T
        u1 = np.vstack([u, np.full((1, hi - lo), config.input_bias)])
        x = np.zeros((config.units, hi - lo))
        for _ in range(config.iterations):
            x = (1 - a) * x + a * np.tanh(w_in @ u1 + (w_rec @ x) @ adjacency)
        out.append(np.append(np.maximum(x.sum(axis=1), 0.0), 1.0))
    return np.array(out)


def _random_weights(rng: np.random.Generator, units: int, inputs: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((units, inputs)), rng.standard_normal((units, units)) / np.sqrt(units)


@pytest.fixture(scope="module")
def mutag(datasets_dir: Path) -> GraphDataset:
    return load_dataset("MUTAG", datasets_dir)


def test_batched_equals_per_graph_loop_on_mutag(mutag: GraphDataset, rng: np.random.Generator) -> None:
    config = ReservoirConfig()
    w_in, w_rec = _random_weights(rng, config.units, mutag.node_features.shape[1] + 1)
    batched = graph_states_and_embeddings(mutag, IdealMatrix(w_in), IdealMatrix(w_rec), config)
    twin = per_graph_embeddings(mutag, w_in, w_rec, config)
    assert batched.shape == (188, 51)
    assert np.count_nonzero(twin[:, :-1]) > 1000  # the ReLU leaves a real signal to compare
    np.testing.assert_allclose(batched, twin, rtol=0, atol=1e-10)


@st.composite
def small_graph_sets(draw: st.DrawFn) -> tuple[list[np.ndarray], np.ndarray]:
    """1–4 graphs of 1–6 nodes with arbitrary (directed) 0/1 adjacency, plus 2 node features."""
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    cells = [draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n)) for n in sizes]
    adjacencies = [np.reshape(c, (n, n)).astype(float) for c, n in zip(cells, sizes, strict=True)]
    seed = draw(st.integers(0, 2**32 - 1))
    features = np.random.default_rng(seed).uniform(-1, 1, (sum(sizes), 2))
    return adjacencies, features


def _check_against_twin(adjacencies: list[np.ndarray], features: np.ndarray, config: ReservoirConfig,
                        seed: int) -> None:
    dataset = graphs_from_adjacency(adjacencies, np.zeros(len(adjacencies)), features)
    w_in, w_rec = _random_weights(np.random.default_rng(seed), config.units, features.shape[1] + 1)
    batched = graph_states_and_embeddings(dataset, IdealMatrix(w_in), IdealMatrix(w_rec), config)
    twin = per_graph_embeddings(dataset, w_in, w_rec, config)
    np.testing.assert_allclose(batched, twin, rtol=0, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(graphs=small_graph_sets(), leak=st.floats(0.05, 1.0), iterations=st.integers(0, 4),
       seed=st.integers(0, 1000))
def test_batched_equals_per_graph_loop_on_random_graphs(graphs, leak: float, iterations: int,
                                                        seed: int) -> None:
    config = ReservoirConfig(units=6, iterations=iterations, leak_rate=leak, input_bias=0.7)
    _check_against_twin(*graphs, config, seed)


def test_directed_and_edgeless_graphs_match_twin() -> None:
    directed = np.array([[0, 1, 1, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]], float)
    assert not np.array_equal(directed, directed.T)
    edgeless = np.zeros((3, 3))
    features = np.random.default_rng(7).uniform(0, 1, (7, 3))
    _check_against_twin([directed, edgeless], features, ReservoirConfig(units=8), seed=3)
    # the direction matters: reversing every edge changes the embedding of the directed graph
    config = ReservoirConfig(units=8)
    w_in, w_rec = _random_weights(np.random.default_rng(3), 8, 4)
    forward, backward = (
        graph_states_and_embeddings(graphs_from_adjacency([a], [0], features[:4]),
                                    IdealMatrix(w_in), IdealMatrix(w_rec), config)
        for a in (directed, directed.T)
    )
    assert np.max(np.abs(forward - backward)) > 1e-3


@pytest.mark.parametrize("mode", ["offset", "differential"])
def test_ideal_hardware_equals_float64(mutag: GraphDataset, mode: str) -> None:
    config = ReservoirConfig()
    hardware, device = HardwareConfig.ideal(MappingConfig(mode=mode)), RRAMDeviceModel()
    arrays = [AnalogMatrix.random(config.units, n_in, hardware, device, scale, np.random.default_rng(seed))
              for n_in, scale, seed in ((8, 1600.0, 1), (config.units, 10000.0, 2))]
    analog = graph_states_and_embeddings(mutag, *arrays, config)
    ideal = graph_states_and_embeddings(mutag, *(IdealMatrix(m.weights) for m in arrays), config)
    assert np.max(np.abs(ideal[:, :-1])) > 0.1  # a real signal, not all ReLU zeros
    np.testing.assert_allclose(analog, ideal, rtol=1e-9, atol=1e-9 * np.max(np.abs(ideal)))


def test_every_step_readout_pools_each_update(mutag: GraphDataset, rng: np.random.Generator) -> None:
    last = ReservoirConfig(units=8, iterations=3)
    every = ReservoirConfig(units=8, iterations=3, readout_steps="all", poolings=("sum", "max"))
    w_in, w_rec = _random_weights(rng, 8, mutag.node_features.shape[1] + 1)
    ops = IdealMatrix(w_in), IdealMatrix(w_rec)
    all_steps = graph_states_and_embeddings(mutag, *ops, every)
    assert all_steps.shape == (188, 8 * 2 * 3 + 1)
    for t in range(1, 4):
        step = graph_states_and_embeddings(mutag, *ops, ReservoirConfig(units=8, iterations=t,
                                                                        poolings=("sum", "max")))
        np.testing.assert_allclose(all_steps[:, 16 * (t - 1):16 * t], step[:, :-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(all_steps[:, 32:48], graph_states_and_embeddings(
        mutag, *ops, replace(last, poolings=("sum", "max")))[:, :-1], atol=1e-12)


def _bit_serial(mode: str) -> HardwareConfig:
    ideal = HardwareConfig.ideal(MappingConfig(mode=mode))
    return replace(ideal, input=InputConfig(mode="bit_serial", bits=4))


@pytest.mark.parametrize("mode", ["offset", "differential"])
def test_digital_bias_keeps_small_features_that_the_bias_in_the_vector_drowns(mode: str) -> None:
    """Row-normalised bag of words (≈ 1/32 per word) next to a bias of 1: with the bias inside each
    vector's min–max scale every word rounds to code 0 at 4 bits; held apart, the words use all 16 codes."""
    rng = np.random.default_rng(4)
    words = np.zeros((200, 64))
    words[np.arange(200)[:, None], np.argsort(rng.random((200, 64)), axis=1)[:, :40]] = 1.0  # 40 words each
    features = words / words.sum(axis=1, keepdims=True)
    matrix = AnalogMatrix.random(30, 65, _bit_serial(mode), RRAMDeviceModel(), 5000.0, rng)
    exact = features @ matrix.weights[:, :-1].T + matrix.weights[:, -1]
    projections = {}
    for bias_input in ("digital", "in_vector"):
        config = ReservoirConfig(units=30, bias_input=bias_input)
        projections[bias_input] = project_inputs(features, matrix, config)
        # the software reservoir gives the exact product either way
        np.testing.assert_allclose(project_inputs(features, IdealMatrix(matrix.weights), config), exact,
                                   rtol=1e-12, atol=1e-12)
    signal = exact - matrix.weights[:, -1]
    lost = projections["in_vector"] - matrix.weights[:, -1]
    kept = projections["digital"] - matrix.weights[:, -1]
    assert np.max(np.abs(lost)) < 1e-9 * np.max(np.abs(exact))  # nothing of the words reached the array
    assert np.linalg.norm(kept - signal) < 0.05 * np.linalg.norm(signal)  # 4-bit rounding of the words only
