"""Pricing, latency and technology-table tests for crossbar_sim.energy."""

from __future__ import annotations

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
    ledger_latency_s,
    load_technology,
    price_ledger,
)
from crossbar_sim.energy.technology import technology_from_dict
from crossbar_sim.energy.workload import matrix_read_events
from device_models.errors import ParameterError

GENERIC = load_technology("generic-40nm")
TECH = GENERIC.analog
SHAPE = EsgnnShape("toy", (5, 7, 3), features=4, units=10, steps=3, adjacency_entries=20, train_items=3)


def test_totals_equal_sum_of_breakdowns() -> None:
    ledger = esgnn_ledger(SHAPE, HardwareMapping())
    ledger.add_transfer(1000, phase="readout")
    b = price_ledger(ledger, TECH)
    for view in (b.by_component_J, b.by_phase_J, b.by_array_J):
        assert sum(view.values()) == pytest.approx(b.total_J, rel=1e-12, abs=0)
    assert b.by_component_J["transfer"] == pytest.approx(1000 * 1.1e-12, rel=1e-9, abs=0)
    assert b.total_J > 0


def test_cell_energy_is_sum_of_v_i_t_for_a_hand_built_array() -> None:
    g = np.array([[10e-6, 0.0], [20e-6, 5e-6]])  # rows × columns, siemens
    pulses = [np.array([0.2, 0.0]), np.array([0.2, 0.2])]  # row voltages of two bit planes
    vi = sum(float(np.sum((v[:, None] ** 2) * g)) for v in pulses)  # Σ V·I = Σ V²·G
    ev = AnalogReadEvents("M", "recurrence", TileGeometry(1, 2, 2), bit_planes=2, vectors=1,
                          read_cycles=2, row_pulses=3, cell_reads=6, cell_vi_W=vi)
    led = EventLedger()
    led.add_analog(ev)
    expected = (0.04 * 10e-6 + 0.04 * (10e-6 + 20e-6 + 5e-6)) * 10e-9  # by hand: 1.8e-14 J
    assert expected == pytest.approx(1.8e-14, rel=1e-9, abs=0)
    assert price_ledger(led, TECH).by_component_J["cell"] == pytest.approx(expected, rel=1e-12, abs=0)


def test_doubling_columns_doubles_conversions_and_their_energy() -> None:
    hw = HardwareMapping()
    one = matrix_read_events("W", "recurrence", rows=30, outputs=40, vectors=11, hw=hw)
    two = matrix_read_events("W", "recurrence", rows=30, outputs=80, vectors=11, hw=hw)
    assert sum(two.adc_conversions.values()) == 2 * sum(one.adc_conversions.values())
    diff = matrix_read_events("W", "recurrence", rows=30, outputs=40, vectors=11,
                              hw=replace(hw, mapping="differential"))
    assert sum(diff.adc_conversions.values()) == 2 * sum(one.adc_conversions.values())
    energy = []
    for ev in (one, two):
        led = EventLedger()
        led.add_analog(ev)
        energy.append(price_ledger(led, TECH).by_component_J["adc_tia"])
    assert energy[1] == pytest.approx(2 * energy[0])


@given(st.integers(min_value=1, max_value=15))
def test_more_adc_bits_cost_more_walden(bits: int) -> None:
    assert TECH.adc_energy_J(bits + 1) > TECH.adc_energy_J(bits)
    walden = TECH.adc_energy_J(bits + 1) - TECH.tia_energy_per_conversion_J
    assert walden == pytest.approx(2 * (TECH.adc_energy_J(bits) - TECH.tia_energy_per_conversion_J))


def test_ideal_read_priced_at_default_bits() -> None:
    assert TECH.adc_energy_J(0) == TECH.adc_energy_J(TECH.ideal_adc_bits)
    assert TECH.adc_energy_J(8) == pytest.approx(50e-15 * 256 + 0.1e-12, rel=1e-9, abs=0)


def test_dac_conversions_priced_by_bits() -> None:
    ev = AnalogReadEvents("M", "input_projection", TileGeometry(1, 4, 4), bit_planes=1,
                          dac_conversions=Counter({3: 10, 5: 2}), row_pulses=0)
    led = EventLedger()
    led.add_analog(ev)
    assert price_ledger(led, TECH).by_component_J["driver_dac"] == pytest.approx(1e-15 * (10 * 8 + 2 * 32))


def test_latency_of_hand_computed_schedule() -> None:
    tech = replace(TECH, columns_per_adc=8, parallel_tiles=2, read_pulse_width_s=10e-9,
                   adc_conversion_time_s=5e-9, digital_throughput_ops_per_s=1e9)
    led = EventLedger()
    # 5 tiles in waves of 2 → 3 waves; cycle = 10 ns + 8 × 5 ns = 50 ns; 12 cycles → 1.8 µs
    led.add_analog(AnalogReadEvents("A", "recurrence", TileGeometry(5, 64, 64), bit_planes=4,
                                    vectors=3, read_cycles=12, shift_adds=100))
    # 1 tile of 3 columns: cycle = 10 + 3 × 5 ns = 25 ns; 4 cycles → 100 ns
    led.add_analog(AnalogReadEvents("B", "recurrence", TileGeometry(1, 8, 3), bit_planes=4,
                                    vectors=1, read_cycles=4))
    led.add_digital("add", 400, phase="aggregation")
    lat = ledger_latency_s(led, tech)
    assert lat["analog"] == pytest.approx(12 * 50e-9 * 3 + 4 * 25e-9)
    assert lat["digital"] == pytest.approx(500e-9)
    assert lat["total"] == pytest.approx(1.8e-6 + 100e-9 + 500e-9)


def test_yaml_unit_conversion() -> None:
    tech = load_technology("generic-40nm")
    assert tech.analog.read_pulse_width_s == pytest.approx(10e-9)
    assert tech.analog.adc_walden_fom_J_per_step == pytest.approx(50e-15, rel=1e-9, abs=0)
    assert tech.analog.digital_add_J == pytest.approx(0.36e-12, rel=1e-9, abs=0)
    assert tech.analog.digital_throughput_ops_per_s == pytest.approx(100e9)
    assert tech.analog.transfer_bandwidth_B_per_s == pytest.approx(10e9)
    assert tech.gpu.energy_per_op_J == pytest.approx(0.480769e-12, rel=1e-9, abs=0)
    assert all(src for _, src in tech.sources)
    assert {w for w, _ in tech.sources} == {f"analog.{n}" for n in AnalogTechnology.__dataclass_fields__} | {
        "gpu.energy_per_op_J", "gpu.transfer_energy_per_byte_J"}


def test_the_yaml_presets_are_the_only_source_of_the_constants() -> None:
    with pytest.raises(TypeError):
        AnalogTechnology()  # type: ignore[call-arg]
    paper = load_technology("paper-esgnn-2023")  # extends generic-40nm, changes three entries
    changed = {n for n in AnalogTechnology.__dataclass_fields__
               if getattr(paper.analog, n) != getattr(GENERIC.analog, n)}
    assert changed == {"adc_walden_fom_J_per_step", "columns_per_adc"}
    assert paper.gpu.energy_per_op_J == GENERIC.gpu.energy_per_op_J
    assert paper.gpu.transfer_energy_per_byte_J == pytest.approx(11.6335e-12, rel=1e-12)
    sources = dict(paper.sources)
    assert sources["analog.digital_add_J"] == dict(GENERIC.sources)["analog.digital_add_J"]
    assert sources["analog.adc_walden_fom_J_per_step"].startswith("fitted")


def test_a_preset_file_may_extend_a_registered_one(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nextends: generic-40nm\n"
                    "analog: {digital_add_fJ: {value: 100, source: test}}\n")
    tech = load_technology(path)
    assert tech.name == "mine" and tech.analog.digital_add_J == pytest.approx(100e-15, rel=1e-12)
    assert tech.analog.digital_mul_J == GENERIC.analog.digital_mul_J
    registry.register(Technology, "test-mine", tech)
    assert load_technology("test-mine") is tech
    with pytest.raises(ParameterError, match=r"^analog.read_pulse_width_s = '<missing>': required"):
        technology_from_dict({"name": "bare", "analog": {}})


def _extends_generic(entry: dict) -> dict:
    return {"name": "bad", "extends": "generic-40nm", "analog": entry}


@pytest.mark.parametrize("data, name", [
    (_extends_generic({"read_pulse_width_ns": {"value": -1, "source": "x"}}), "analog.read_pulse_width_ns"),
    (_extends_generic({"columns_per_adc": {"value": 2.5, "source": "x"}}), "analog.columns_per_adc"),
    (_extends_generic({"digital_add_pJ": {"value": 1.0}}), "analog.digital_add_pJ"),
    (_extends_generic({"warp_drive_pJ": {"value": 1.0, "source": "x"}}), "analog.warp_drive_pJ"),
    (_extends_generic({"digital_add_pJ": {"value": "big", "source": "x"}}), "analog.digital_add_pJ"),
    (_extends_generic({"digital_add_pJ": {"value": 1, "source": "x"},
                       "digital_add_fJ": {"value": 1, "source": "x"}}), "analog.digital_add_fJ"),
    ({"name": "bad", "extends": "generic-4nm"}, "extends"),
    ({"name": "bad", "extend": "generic-40nm"}, "preset.extend"),
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
    pattern = r"generic-40nm, paper-esgnn-2023.*, or a YAML file path \(did you mean 'generic-40nm'\?\)"
    with pytest.raises(ParameterError, match=pattern):
        load_technology("generic-40mn")


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 30),
       st.sampled_from(["offset", "differential"]))
def test_conversion_count_formula(rows: int, outputs: int, vectors: int, mapping: str) -> None:
    hw = HardwareMapping(tile_rows=16, tile_cols=16, mapping=mapping)
    ev = matrix_read_events("W", "recurrence", rows, outputs, vectors, hw)
    cols = outputs * hw.columns_per_output
    assert sum(ev.adc_conversions.values()) == vectors * 4 * -(-rows // 16) * cols
    assert ev.geometry.tiles == -(-rows // 16) * -(-cols // 16)
