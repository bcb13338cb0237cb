"""Paper reproduction: MUTAG calibration, GPU op counts and COLLAB / CORA predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paper_shapes import collab_shape, cora_shape, mutag_shape

from crossbar_sim.energy import (
    PAPER_RESERVOIR_OPS,
    EnergyReport,
    HardwareMapping,
    build_report,
    esgnn_ledger,
    format_table,
    gpu,
    load_technology,
)
from crossbar_sim.energy.calibration import fit_adc_fom
from crossbar_sim.plots.energy import plot_energy_breakdown, plot_energy_comparison

#: (analogue, GPU) totals in joules, Wang et al. 2023.
PAPER_TOTALS_J = {"MUTAG": (34.44e-6, 74.32e-6), "COLLAB": (234.59e-6, 8.31e-3),
                  "CORA": (599.47e-6, 24.20e-3)}


@pytest.fixture(scope="module")
def paper_tech():
    return load_technology("paper-esgnn-2023")


@pytest.fixture(scope="module")
def mutag(datasets_dir: Path):
    return mutag_shape(datasets_dir)


def test_mutag_gpu_op_counts_match_paper(mutag) -> None:
    assert mutag.nodes == 3371 and mutag.graphs == 188
    assert gpu.readout_ops(mutag) == 18_800
    assert gpu.pooling_ops(mutag) * 0.480769e-12 == pytest.approx(76.51e-9, rel=1e-3)
    assert gpu.readout_fit_ops(mutag) == pytest.approx(1_046_571, rel=0.02)
    assert gpu.trainable_backward_ops(mutag) == pytest.approx(160_511_562, rel=0.05)


def test_mutag_totals_with_paper_preset(mutag, paper_tech) -> None:
    rep = build_report(esgnn_ledger(mutag, HardwareMapping()), mutag, paper_tech,
                       reservoir_ops_override=PAPER_RESERVOIR_OPS["MUTAG"])
    assert rep.analog_total_J == pytest.approx(34.44e-6, rel=0.05)
    assert rep.analog_total_J == pytest.approx(34.44e-6, rel=1e-3)  # the calibration point itself
    assert rep.gpu_total_J == pytest.approx(74.32e-6, rel=0.01)
    assert rep.gpu.transfer_J == pytest.approx(437.42e-9, rel=1e-3)
    assert rep.efficiency == pytest.approx(2.16, rel=0.01)
    assert rep.backward_reduction == pytest.approx(0.9935, abs=0.005)


def test_preset_fom_is_the_closed_form_fit(mutag, paper_tech) -> None:
    ledger = esgnn_ledger(mutag, HardwareMapping())
    shared = gpu.gpu_estimate(mutag, paper_tech.gpu).shared_J
    fom = fit_adc_fom(ledger, paper_tech.analog, 34.44e-6 - shared)
    assert paper_tech.analog.adc_walden_fom_J_per_step == pytest.approx(fom, rel=1e-4)


def test_generic_preset_is_not_fitted(mutag) -> None:
    generic = build_report(esgnn_ledger(mutag, HardwareMapping()), mutag, load_technology("generic-40nm"))
    assert generic.analog.by_component_J["adc_tia"] > generic.analog.by_component_J["digital"]
    assert generic.analog_total_J != pytest.approx(34.44e-6, rel=0.05)


def test_report_round_trip_and_outputs(mutag, paper_tech, tmp_path: Path) -> None:
    rep = build_report(esgnn_ledger(mutag, HardwareMapping()), mutag, paper_tech)
    back = EnergyReport.from_dict(json.loads(json.dumps(rep.to_dict())))
    assert back == rep
    table = format_table(rep)
    assert "reservoir" in table and "GPU / analogue" in table
    assert plot_energy_comparison([rep, back], tmp_path / "cmp.png").stat().st_size > 10_000
    assert plot_energy_breakdown(rep, tmp_path / "brk.png").stat().st_size > 10_000


def test_collab_and_cora_predictions(datasets_dir: Path, paper_tech, capsys) -> None:
    lines = []
    for shape, key in ((collab_shape(datasets_dir), "COLLAB"), (cora_shape(datasets_dir), "CORA")):
        rep = build_report(esgnn_ledger(shape, HardwareMapping()), shape, paper_tech,
                           reservoir_ops_override=PAPER_RESERVOIR_OPS[key])
        analog, gpu_total = PAPER_TOTALS_J[key]
        lines.append(f"{key}: analogue {rep.analog_total_J * 1e6:.2f} µJ (paper {analog * 1e6:.2f}), "
                     f"GPU {rep.gpu_total_J * 1e3:.3f} mJ (paper {gpu_total * 1e3:.2f}), "
                     f"ratio {rep.efficiency:.2f}x (paper {gpu_total / analog:.2f}x)")
        assert 0.3 < rep.analog_total_J / analog < 3.0  # a prediction, not a fit
        assert rep.gpu_total_J == pytest.approx(gpu_total, rel=0.02)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
