"""Sweep expansion: axes, ranges, repeats, identities, order-independent seeds, pairing, references."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.common.seeding import derive_seed
from crossbar_sim.study.config import ConfigError, parse_experiment_document
from crossbar_sim.study.sweep import expand_sweep, point_identity, point_seed


def plan_of(sweep: dict, experiment: dict | None = None, seed: int | None = None):
    doc = {"runner": "toy", "experiment": experiment or {}, "sweep": sweep}
    return expand_sweep(parse_experiment_document(doc, "s.yaml"), seed=seed)


def test_grid_zip_ranges_and_repeats_expand_in_a_fixed_order() -> None:
    plan = plan_of({
        "repeats": 2,
        "grid": {"x": {"start": 0, "stop": 1, "num": 3}, "noise.sigma": [0.0, 0.1]},
        "zip": {"y": {"start": 1e-2, "stop": 1, "num": 3, "log": True}, "shape": ["bump", "ridge", "bump"]},
    })
    assert len(plan.points) == 3 * 3 * 2 * 2
    assert plan.axes == ("y", "shape", "x", "noise.sigma")
    first, last = plan.points[0], plan.points[-1]
    assert first.overrides == {"y": 0.01, "shape": "bump", "x": 0.0, "noise.sigma": 0.0}
    assert last.overrides == {"y": 1.0, "shape": "bump", "x": 1.0, "noise.sigma": 0.1} and last.repeat == 1
    assert sorted({p.overrides["y"] for p in plan.points}) == pytest.approx([0.01, 0.1, 1.0])
    assert sorted({p.overrides["x"] for p in plan.points}) == [0.0, 0.5, 1.0]
    assert plan.points[5].config.noise.sigma == plan.points[5].overrides["noise.sigma"]
    assert plan.pairing == "paired" and plan.zipped == ("y", "shape")
    paired_seeds = {r: derive_seed(0, point_identity({}, r)) for r in (0, 1)}
    assert {p.repeat: p.seed for p in plan.points} == paired_seeds
    assert len({p.seed for p in plan.points}) == 2  # one seed per repeat, shared by every point
    assert len({p.point_id for p in plan.points}) == len(plan.points)
    again = plan_of({
        "repeats": 2,
        "grid": {"x": {"start": 0, "stop": 1, "num": 3}, "noise.sigma": [0.0, 0.1]},
        "zip": {"y": {"start": 1e-2, "stop": 1, "num": 3, "log": True}, "shape": ["bump", "ridge", "bump"]},
    })
    assert [(p.point_id, p.seed, p.config_hash) for p in again.points] == \
        [(p.point_id, p.seed, p.config_hash) for p in plan.points]


def test_units_in_swept_keys_replace_the_base_spelling() -> None:
    plan = plan_of({"grid": {"read_voltage_mV": [100, 300]}}, {"read_voltage_V": 0.2})
    assert [p.config.read_voltage_V for p in plan.points] == [0.1, 0.3]


def test_independent_pairing_keeps_one_seed_per_point_identity() -> None:
    plan = plan_of({"pairing": "independent", "repeats": 2, "grid": {"x": [0.0, 0.5], "y": [1.0, 2.0]}})
    assert plan.pairing == "independent"
    assert len({p.seed for p in plan.points}) == len(plan.points) == 8
    assert all(p.seed == derive_seed(0, p.identity) for p in plan.points)  # the seeds of before pairing


@pytest.mark.parametrize("pairing", ["paired", "independent"])
def test_seed_depends_on_base_seed_and_identity_only(pairing: str) -> None:
    a = plan_of({"pairing": pairing, "grid": {"x": [1.0, 2.0]}}, seed=1)
    b = plan_of({"pairing": pairing, "grid": {"x": [2.0, 1.0]}}, seed=1)
    c = plan_of({"pairing": pairing, "grid": {"x": [1.0, 2.0]}}, seed=2)
    assert {p.point_id: p.seed for p in a.points} == {p.point_id: p.seed for p in b.points}
    assert not {p.seed for p in a.points} & {p.seed for p in c.points}
    assert a.points[0].config_hash != c.points[0].config_hash
    base_changed = plan_of({"pairing": pairing, "grid": {"x": [1.0, 2.0]}}, {"y": 0.5}, seed=1)
    assert base_changed.points[0].point_id == a.points[0].point_id
    assert base_changed.points[0].config_hash != a.points[0].config_hash


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.integers(-1000, 1000), min_size=1, max_size=8, unique=True), data=st.data(),
       pairing=st.sampled_from(["paired", "independent"]))
def test_seed_derivation_is_independent_of_point_order(values: list[int], data: st.DataObject,
                                                       pairing: str) -> None:
    shuffled = data.draw(st.permutations(values))
    plan_a = plan_of({"grid": {"x": values}, "repeats": 2, "pairing": pairing}, seed=7)
    plan_b = plan_of({"grid": {"x": shuffled}, "repeats": 2, "pairing": pairing}, seed=7)
    assert {p.identity: p.seed for p in plan_a.points} == {p.identity: p.seed for p in plan_b.points}
    for p in plan_b.points:
        assert p.seed == point_seed(7, pairing, p.overrides, p.repeat)
        assert 0 <= p.seed < 2**63


def test_a_sweep_without_axes_has_the_same_seeds_in_both_designs() -> None:
    paired = plan_of({"repeats": 3})
    independent = plan_of({"repeats": 3, "pairing": "independent"})
    assert [p.seed for p in paired.points] == [p.seed for p in independent.points]
    assert paired.reference == {}


def test_reference_defaults_to_the_first_value_of_the_first_axis_or_zip_group() -> None:
    assert plan_of({"grid": {"x": [0.5, 0.0], "y": [1.0, 2.0]}}).reference == {"x": 0.5}
    zipped = plan_of({"zip": {"x": [0.1, 0.2], "y": [3.0, 4.0]}, "grid": {"noise.sigma": [0.0, 0.1]}})
    assert zipped.reference == {"x": 0.1, "y": 3.0}


def test_reference_values_match_the_swept_values_and_pull_in_zipped_partners() -> None:
    ranged = plan_of({"grid": {"x": {"start": 0.0, "stop": 0.1, "num": 6}}, "reference": {"x": 0.06}})
    assert ranged.reference["x"] in {p.overrides["x"] for p in ranged.points}  # 0.06 is 0.06000000000000001
    zipped = plan_of({"zip": {"x": [0.1, 0.2], "y": [3.0, 4.0]}, "grid": {"noise.sigma": [0.0, 0.1]},
                      "reference": {"y": 4, "noise.sigma": 0.1}})
    assert zipped.reference == {"x": 0.2, "y": 4.0, "noise.sigma": 0.1}


@pytest.mark.parametrize(
    ("sweep", "message"),
    [
        ({"grid": {"x": []}}, "sweep.grid.x = []: an axis needs at least one value"),
        ({"grid": {"z": [1]}}, "sweep.grid.z: not an experiment key"),
        ({"grid": {"nosie.sigma": [1]}}, "did you mean 'noise'?"),
        ({"grid": {"x.y": [1]}}, "sweep.grid.x.y: not an experiment key"),
        ({"grid": {"x": ["a"]}}, "experiment.x = 'a': must be a finite number (in sweep point x='a')"),
        ({"grid": {"x": 3}}, "sweep.grid.x = 3: must be a list of values or a range"),
        ({"grid": {"x": {"start": 0, "stop": 1}}}, "sweep.grid.x.num: required key is missing"),
        ({"grid": {"x": {"start": 0, "stop": 1, "num": 0}}}, "sweep.grid.x.num = 0: must be an integer >= 1"),
        ({"grid": {"x": {"start": 0, "stop": 1, "num": 3, "log": True}}}, "sweep.grid.x.start = 0"),
        ({"zip": {"x": [1, 2], "y": [1]}}, "sweep.zip: zipped axes must have equal lengths (got x: 2, y: 1)"),
        ({"grid": {"x": [1, 1]}}, "sweep: the point {\"x\":1} appears twice"),
        ({"grid": {"x": [1]}, "zip": {"x": [2]}}, "sweep.grid.x: the same key is also swept in sweep.zip"),
        ({"repeats": 0}, "sweep.repeats = 0: must be an integer >= 1"),
        ({"seed": -1}, "sweep.seed = -1: must be an integer >= 0"),
        ({"grids": {}}, "sweep.grids: unknown key in SweepSpec (did you mean 'grid'?)"),
        ({"pairing": "pairs"}, "sweep.pairing = 'pairs': must be one of 'paired', 'independent'"),
        ({"reference": {"x": 1.0}}, "sweep.reference: the sweep has no axes, so there is no reference point"),
        ({"grid": {"x": [1.0]}, "reference": {"y": 0.0}}, "sweep.reference.y = 0.0: must be a swept key: x"),
        ({"grid": {"x": [1.0, 2.0]}, "reference": {"x": 3}},
         "sweep.reference.x = 3: is not a swept value (swept: 1.0, 2.0)"),
        ({"grid": {"x": [1.0]}, "reference": {}}, "sweep.reference = {}: must be a mapping of swept keys"),
        ({"zip": {"x": [1.0, 2.0], "y": [1.0, 2.0]}, "reference": {"x": 1.0, "y": 2.0}},
         "sweep.reference = {'x': 1.0, 'y': 2.0}: these zipped values never occur together"),
    ],
)
def test_bad_sweeps_are_config_errors_naming_the_key(sweep: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        plan_of(sweep)
    assert str(info.value).startswith(message) or message in str(info.value)


@pytest.mark.parametrize(("sweep", "fragment"), [
    ({"grid": {"read_voltage_V": [0.1, 0.2], "read_voltage_mV": [100, 200]}},
     "sweep.grid.read_voltage_mV: sweeps the same quantity as sweep.grid.read_voltage_V"),
    ({"zip": {"x": [0, 1]}, "grid": {"noise.sigma": [0.1], "y": {"start": 0, "stop": 1, "num": 10**12}}},
     "num = 1000000000000: must be an integer <= 100000"),
    ({"repeats": 1000, "grid": {"x": {"start": 0, "stop": 1, "num": 1000}}},
     "sweep: has 1000000 points (axes × repeats); at most 100000"),
])
def test_sweeps_that_cannot_be_meant_are_refused_before_expansion(sweep: dict, fragment: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(fragment)):
        expand_sweep(parse_experiment_document({"runner": "toy", "experiment": {}, "sweep": sweep}))


def test_an_error_outside_a_sweep_has_no_empty_point_note() -> None:
    with pytest.raises(ConfigError) as info:
        expand_sweep(parse_experiment_document({"runner": "toy", "experiment": {"read_voltage_mV": -5}}))
    assert "in sweep point" not in str(info.value)
