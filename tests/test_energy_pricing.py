"""Pricing, latency, area and technology-table tests for crossbar_sim.energy, against hand computations."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.analog.ledger import AnalogReadEvents, EventLedger, TileGeometry
from crossbar_sim.common import registry
from crossbar_sim.energy import (
    AnalogTechnology,
    EsgnnShape,
    HardwareMapping,
    Technology,
    esgnn_ledger,
    gpu,
    ledger_area_m2,
    ledger_latency_s,
    load_technology,
    price_ledger,
)
from crossbar_sim.energy.technology import technology_from_dict
from crossbar_sim.energy.workload import matrix_read_events
from device_models.errors import ParameterError

CITED = load_technology("cited-40nm")
TECH = CITED.analog
SHAPE = EsgnnShape("toy", (5, 7, 3), features=4, units=10, steps=3, adjacency_entries=20, train_items=3)
C_CELL = 0.2e-9 * 40e-9 * math.sqrt(40)  # 0.2 fF/µm × the pitch of a 40 F² cell at 40 nm, F


def _price(ev: AnalogReadEvents, tech: AnalogTechnology = TECH) -> dict[str, float]:
    led = EventLedger()
    led.add_analog(ev)
    return price_ledger(led, tech).by_component_J


def test_totals_equal_sum_of_breakdowns() -> None:
    ledger = esgnn_ledger(SHAPE, HardwareMapping())
    ledger.add_transfer(1000, phase="readout")
    b = price_ledger(ledger, TECH)
    for view in (b.by_component_J, b.by_phase_J, b.by_array_J):
        assert sum(view.values()) == pytest.approx(b.total_J, rel=1e-12, abs=0)
    assert b.by_component_J["transfer"] == pytest.approx(1000 * 1.111e-12, rel=1e-9, abs=0)
    assert b.total_J > 0


def test_cell_energy_is_sum_of_v_i_t_for_a_hand_built_array() -> None:
    g = np.array([[10e-6, 0.0], [20e-6, 5e-6]])  # rows × columns, siemens
    pulses = [np.array([0.2, 0.0]), np.array([0.2, 0.2])]  # row voltages of two bit planes
    vi = sum(float(np.sum((v[:, None] ** 2) * g)) for v in pulses)  # Σ V·I = Σ V²·G
    ev = AnalogReadEvents("M", "recurrence", TileGeometry(1, 2, 2), bit_planes=2, vectors=1,
                          read_cycles=2, row_pulses=3, cell_reads=6, cell_vi_W=vi)
    expected = (0.04 * 10e-6 + 0.04 * (10e-6 + 20e-6 + 5e-6)) * 10e-9  # by hand: 1.8e-14 J
    assert expected == pytest.approx(1.8e-14, rel=1e-9, abs=0)
    assert _price(ev)["cell"] == pytest.approx(expected, rel=1e-12, abs=0)


def test_driver_energy_is_line_c_v2_plus_driver_input() -> None:
    assert TECH.line_capacitance_per_cell_F == pytest.approx(C_CELL, rel=1e-12)
    assert C_CELL == pytest.approx(0.0506e-15, rel=1e-3)
    ev = AnalogReadEvents("M", "recurrence", TileGeometry(1, 8, 50), bit_planes=1, row_pulses=7,
                          cell_reads=350, driven_cells_V2=350 * 0.2**2)
    by_hand = 7 * 1e-15 * 0.9**2 + 350 * 0.04 * C_CELL
    assert _price(ev)["driver_dac"] == pytest.approx(by_hand, rel=1e-9)


def test_word_line_energy_scales_with_the_tile_columns() -> None:
    """A 50-column tile's word lines hold 50 cells, a 500-column tile's 500: ten times the C·V²."""
    hw = HardwareMapping(tile_cols=512)
    narrow, wide = (matrix_read_events("W", "recurrence", 50, out, 10, hw) for out in (50, 500))
    assert narrow.row_pulses == wide.row_pulses
    assert wide.driven_cells_V2 == pytest.approx(10 * narrow.driven_cells_V2)
    line = [_price(ev)["driver_dac"] - ev.row_pulses * 1e-15 * 0.81 for ev in (narrow, wide)]
    assert line[1] == pytest.approx(10 * line[0])


def test_adc_energy_uses_the_effective_bits() -> None:
    assert TECH.enob(8) == pytest.approx(8 - 1.16)
    assert TECH.adc_energy_J(8) == pytest.approx(22.64e-15 * 2 ** 6.84, rel=1e-9)
    assert TECH.adc_energy_J(0) == TECH.adc_energy_J(TECH.ideal_adc_bits)


@given(st.integers(min_value=2, max_value=15))
def test_one_more_bit_doubles_the_walden_energy(bits: int) -> None:
    assert TECH.adc_energy_J(bits + 1) == pytest.approx(2 * TECH.adc_energy_J(bits))


def test_tia_charges_the_sense_node_and_the_adc_input() -> None:
    assert TECH.tia_energy_J(50) == pytest.approx((50 * C_CELL + 64e-15) * 0.81, rel=1e-9)
    ev = AnalogReadEvents("M", "recurrence", TileGeometry(2, 50, 40, stacked_tiles=2), bit_planes=4,
                          adc_conversions=Counter({8: 10}))
    by_hand = 10 * (22.64e-15 * 2 ** 6.84 + (100 * C_CELL + 64e-15) * 0.81)  # 2 stacked tiles: 100 cells
    assert _price(ev)["adc_tia"] == pytest.approx(by_hand, rel=1e-9)


def test_dac_conversions_priced_by_bits() -> None:
    ev = AnalogReadEvents("M", "input_projection", TileGeometry(1, 4, 4), bit_planes=1,
                          dac_conversions=Counter({3: 10, 5: 2}), row_pulses=0)
    assert _price(ev)["driver_dac"] == pytest.approx(0.5e-15 * 0.81 * (10 * 8 + 2 * 32))


def test_sar_conversion_time_is_one_comparison_per_bit() -> None:
    assert TECH.adc_conversion_time_s(8) == pytest.approx(8 * 2.78e-9)
    assert TECH.adc_conversion_time_s(4) == pytest.approx(4 * 2.78e-9)
    assert TECH.read_cycle_s(50, 4, 6) == pytest.approx(10e-9 + 4 * 6 * 2.78e-9)
    assert TECH.read_cycle_s(3, 8, 6) == pytest.approx(10e-9 + 3 * 6 * 2.78e-9)  # 3 columns, 3 turns


def test_latency_of_hand_computed_schedule() -> None:
    tech = replace(TECH, parallel_tiles=2, read_pulse_width_s=10e-9, adc_time_per_bit_s=1e-9,
                   digital_throughput_ops_per_s=1e9)
    led = EventLedger()
    # 5 tiles in waves of 2 → 3 waves; 8 columns per ADC, 5-bit: cycle = 10 ns + 8 × 5 ns = 50 ns; 12 cycles
    led.add_analog(AnalogReadEvents("A", "recurrence", TileGeometry(5, 64, 64, columns_per_adc=8),
                                    bit_planes=4, vectors=3, read_cycles=12, shift_adds=100,
                                    adc_conversions=Counter({5: 10})))
    # 1 tile of 3 columns on one ADC: cycle = 10 + 3 × 5 ns = 25 ns; 4 cycles → 100 ns
    led.add_analog(AnalogReadEvents("B", "recurrence", TileGeometry(1, 8, 3, columns_per_adc=8),
                                    bit_planes=4, vectors=1, read_cycles=4, adc_conversions=Counter({5: 1})))
    led.add_digital("add", 400, phase="aggregation")
    lat = ledger_latency_s(led, tech)
    assert lat["analog"] == pytest.approx(12 * 50e-9 * 3 + 4 * 25e-9)
    assert lat["digital"] == pytest.approx(500e-9)
    assert lat["total"] == pytest.approx(1.8e-6 + 100e-9 + 500e-9)


@pytest.mark.parametrize("k", [1, 2, 5, 50])
def test_adc_sharing_same_energy_k_times_the_conversion_time_area_over_k(k: int) -> None:
    base = matrix_read_events("W", "recurrence", 50, 50, 100, HardwareMapping())
    shared = matrix_read_events("W", "recurrence", 50, 50, 100, HardwareMapping(columns_per_adc=k))
    assert _price(shared) == _price(base)
    ledgers = []
    for ev in (base, shared):
        led = EventLedger()
        led.add_analog(ev)
        ledgers.append(led)
    t_conv = TECH.adc_conversion_time_s(8)
    analog = [ledger_latency_s(led, TECH)["analog"] for led in ledgers]
    assert analog[1] - analog[0] == pytest.approx(400 * (k - 1) * t_conv)  # 400 cycles, k − 1 more turns
    area = [ledger_area_m2(led, TECH)["adc"] for led in ledgers]
    assert shared.adcs == -(-50 // k)
    assert area[1] == pytest.approx(area[0] * -(-50 // k) / 50)


def test_analog_tile_accumulation_in_the_analytic_ledger() -> None:
    """1200 rows on 512-row tiles: 3 row tiles; summed on shared nodes, one conversion per output."""
    digital = matrix_read_events("W", "recurrence", 1200, 100, 10, HardwareMapping())
    analog = matrix_read_events("W", "recurrence", 1200, 100, 10, HardwareMapping(tile_accumulation="analog"))
    assert sum(digital.adc_conversions.values()) == 3 * sum(analog.adc_conversions.values()) == 3 * 40 * 100
    assert (digital.geometry.stacked_tiles, analog.geometry.stacked_tiles) == (1, 3)
    assert digital.digital_adds - analog.digital_adds == 10 * 100 * 2  # two partial sums per output
    assert (digital.adcs, analog.adcs) == (300, 100)
    adc_tia = {name: _price(ev)["adc_tia"] for name, ev in (("d", digital), ("a", analog))}
    per_conv = {"d": TECH.adc_energy_J(8) + TECH.tia_energy_J(512),
                "a": TECH.adc_energy_J(8) + TECH.tia_energy_J(3 * 512)}
    assert adc_tia["d"] == pytest.approx(12000 * per_conv["d"])
    assert adc_tia["a"] == pytest.approx(4000 * per_conv["a"])


def test_area_of_a_hand_built_ledger() -> None:
    led = EventLedger()
    led.add_analog(AnalogReadEvents("W", "recurrence", TileGeometry(2, 50, 40), bit_planes=4,
                                    adc_conversions=Counter({8: 1}), sense_nodes=80, adcs=40))
    led.add_analog(AnalogReadEvents("W", "readout", TileGeometry(2, 50, 40), bit_planes=4,
                                    adc_conversions=Counter({8: 1}), sense_nodes=80, adcs=40))  # same matrix
    area = ledger_area_m2(led, TECH)
    um2 = 1e-12
    assert area["cells"] == pytest.approx(2 * 50 * 40 * 40 * (40e-9) ** 2)
    assert area["adc"] == pytest.approx(40 * 62.4 * 2 ** 6.84 * um2)
    assert area["tia"] == pytest.approx(80 * 50 * um2)
    assert area["driver_dac"] == pytest.approx(100 * 1 * um2)
    assert area["digital"] == pytest.approx(40 * 100 * um2)
    assert area["total"] == pytest.approx(sum(v for k, v in area.items() if k != "total"))


def test_gpu_sparse_and_dense_aggregation_counted_by_hand() -> None:
    h, n, t = 10, 15, 3
    common = 2 * h * 5 * n + t * (2 * h * h * n + 5 * h * n)
    assert gpu.reservoir_ops(SHAPE, "sparse") == common + t * h * 20  # one add per unit per non-zero
    assert gpu.reservoir_ops(SHAPE, "dense") == common + t * 2 * h * (25 + 49 + 9)
    node = replace(SHAPE, nodes_per_graph=(15,), node_task=True)
    assert gpu.aggregation_ops(node, "sparse") == 2 * h * 20  # weighted: multiply-add per non-zero
    assert gpu.gpu_estimate(SHAPE, CITED.gpu, "dense").aggregation == "dense"
    with pytest.raises(ParameterError):
        gpu.reservoir_ops(SHAPE, "blocked")


def test_yaml_unit_conversion() -> None:
    a = TECH
    assert a.read_pulse_width_s == pytest.approx(10e-9)
    assert a.feature_size_m == pytest.approx(40e-9)
    assert a.wire_capacitance_F_per_m == pytest.approx(0.2e-9, rel=1e-12)
    assert a.adc_walden_fom_J_per_step == pytest.approx(22.64e-15, rel=1e-9, abs=0)
    assert a.adc_time_per_bit_s == pytest.approx(2.78e-9)
    assert a.digital_add_J == pytest.approx(0.3556e-12, rel=1e-9, abs=0)
    assert a.digital_throughput_ops_per_s == pytest.approx(100e9)
    assert a.transfer_bandwidth_B_per_s == pytest.approx(10e9)
    assert CITED.gpu.energy_per_op_J == pytest.approx(0.480769e-12, rel=1e-9, abs=0)
    assert {w for w, _ in CITED.sources} == {f"analog.{n}" for n in AnalogTechnology.__dataclass_fields__} | {
        "gpu.energy_per_op_J", "gpu.transfer_energy_per_byte_J"}


def test_the_default_preset_is_cited_and_not_fitted() -> None:
    assert CITED.calibration == ""
    for key, source in CITED.sources:
        assert source and "fitted" not in source.lower(), key
        assert "wang et al. 2023, fig" not in source.lower(), key
        assert any(word in source for word in ("Murmann", "Horowitz", "A100", "assumed", "derived",
                                               "the paper's CMOS node")), key


def test_the_calibrated_preset_says_so_and_changes_only_its_fitted_values() -> None:
    with pytest.raises(TypeError):
        AnalogTechnology()  # type: ignore[call-arg]
    paper = load_technology("paper-esgnn-2023")  # extends cited-40nm
    changed = {n for n in AnalogTechnology.__dataclass_fields__
               if getattr(paper.analog, n) != getattr(TECH, n)}
    assert changed == {"adc_walden_fom_J_per_step"}
    assert paper.gpu.energy_per_op_J == CITED.gpu.energy_per_op_J
    assert paper.gpu.transfer_energy_per_byte_J == pytest.approx(11.6335e-12, rel=1e-12)
    sources = dict(paper.sources)
    assert sources["analog.digital_add_J"] == dict(CITED.sources)["analog.digital_add_J"]
    assert sources["analog.adc_walden_fom_J_per_step"].startswith("fitted")
    assert "MUTAG" in paper.calibration and "34.44" in paper.calibration
    for name in ("cited-40nm-gpu-fp16", "cited-40nm-gpu-fp32"):
        alt = load_technology(name)
        assert alt.analog == TECH and alt.calibration == ""
        assert alt.gpu.energy_per_op_J > CITED.gpu.energy_per_op_J


def test_a_preset_file_may_extend_a_registered_one(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nextends: paper-esgnn-2023\n"
                    "analog: {digital_add_fJ: {value: 100, source: test}}\n")
    tech = load_technology(path)
    assert tech.name == "mine" and tech.analog.digital_add_J == pytest.approx(100e-15, rel=1e-12)
    assert tech.analog.digital_mul_J == TECH.digital_mul_J
    assert tech.calibration == load_technology("paper-esgnn-2023").calibration  # still calibrated
    registry.register(Technology, "test-mine", tech)
    assert load_technology("test-mine") is tech
    with pytest.raises(ParameterError, match=r"^analog.feature_size_m = '<missing>': required"):
        technology_from_dict({"name": "bare", "analog": {}})


def _extends_cited(entry: dict) -> dict:
    return {"name": "bad", "extends": "cited-40nm", "analog": entry}


@pytest.mark.parametrize("data, name", [
    (_extends_cited({"read_pulse_width_ns": {"value": -1, "source": "x"}}), "analog.read_pulse_width_ns"),
    (_extends_cited({"parallel_tiles": {"value": 2.5, "source": "x"}}), "analog.parallel_tiles"),
    (_extends_cited({"digital_add_pJ": {"value": 1.0}}), "analog.digital_add_pJ"),
    (_extends_cited({"warp_drive_pJ": {"value": 1.0, "source": "x"}}), "analog.warp_drive_pJ"),
    (_extends_cited({"digital_add_pJ": {"value": "big", "source": "x"}}), "analog.digital_add_pJ"),
    (_extends_cited({"digital_add_pJ": {"value": 1, "source": "x"},
                     "digital_add_fJ": {"value": 1, "source": "x"}}), "analog.digital_add_fJ"),
    ({"name": "bad", "extends": "cited-4nm"}, "extends"),
    ({"name": "bad", "extend": "cited-40nm"}, "preset.extend"),
])
def test_bad_table_entries_raise(data: dict, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        technology_from_dict(data)
    assert err.value.name == name


def test_bad_dataclass_values_raise() -> None:
    with pytest.raises(ParameterError):
        replace(TECH, parallel_tiles=0)
    with pytest.raises(ParameterError):
        HardwareMapping(mapping="crossed")
    with pytest.raises(ParameterError):
        HardwareMapping(tile_accumulation="optical")
    with pytest.raises(ParameterError):
        EsgnnShape("bad", (3,), features=2, zero_input_nodes=4)
    with pytest.raises(ParameterError, match=r"did you mean 'cited-40nm'\?"):
        load_technology("cited-40mn")


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 30), st.integers(0, 30),
       st.sampled_from(["offset", "differential"]), st.sampled_from(["analog", "digital"]),
       st.sampled_from(["digital", "analog"]))
def test_conversion_count_formula(rows: int, outputs: int, vectors: int, zeros: int, mapping: str,
                                  subtraction: str, accumulation: str) -> None:
    zeros = min(zeros, vectors)
    hw = HardwareMapping(tile_rows=16, tile_cols=16, mapping=mapping, pair_subtraction=subtraction,
                         tile_accumulation=accumulation)
    ev = matrix_read_events("W", "recurrence", rows, outputs, vectors, hw, zero_vectors=zeros)
    cols = outputs * hw.columns_per_output
    row_tiles = -(-rows // 16)
    nodes = outputs * (2 if mapping == "differential" and subtraction == "digital" else 1)
    blocks = 1 if accumulation == "analog" else row_tiles
    assert sum(ev.adc_conversions.values()) == (vectors - zeros) * 4 * blocks * nodes
    assert (ev.read_cycles, ev.skipped_reads) == ((vectors - zeros) * 4, zeros * 4)
    assert ev.geometry.tiles == row_tiles * -(-cols // 16)
    assert ev.sense_nodes == blocks * nodes
