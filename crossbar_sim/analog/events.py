"""Ledger event counts of one batched read (:class:`crossbar_sim.analog.ledger.AnalogReadEvents`).

A read cycle is one pulse of one input vector on every tile of the matrix. With
``hardware.adc.skip_zero_reads`` the controller skips the cycles of a plane (bit-serial) or a DAC pass
whose levels are all zero over the whole input vector (e.g. the reservoir's start state X_0 = 0, or a
bit that no input sets): no pulse, no DAC or ADC conversion and no shift-add; the cycle is counted in
``skipped_reads``. Skipping changes no number read (the skipped pulses carry no current and no noise).

Line pulses count physical driven lines at a non-zero voltage: a reverse read drives both columns of a
pair (±V at once, or one per pulse when the pair is subtracted digitally, which takes two pulses per
plane); each driven physical line of a performed cycle takes one DAC conversion. cell_vi_W =
Σ_pulses Σ_cells V_cell·I_cell of the noise-free cells: the read's own Σ G·U·f(U) where Newton solves
the exact cell voltages U (non-ohmic cells under IR drop), else Σ_i V_i·f(V_i)·Σ_cells G·φ² over the
driven lines i (I = G·f(V), f(V) = V for ohmic cells; φ the cell-voltage fraction of the uniform drive,
1 without IR drop: exact without IR drop, and for ohmic cells under a uniform input); driven_cells_V2 =
Σ_i V_i²·(cells on line i), what the line capacitance is charged to. Calibration reads are not
recorded (a one-off profiling pass), nor is the drift compensation's reference read at training time;
its reference read at each inference time and its multiply per output are
(:mod:`crossbar_sim.analog.compensation`).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from crossbar_sim.analog.ledger import AnalogReadEvents
from crossbar_sim.analog.nonlinear_read import cell_drive
from crossbar_sim.periphery.encoders import EncodedInput

if TYPE_CHECKING:
    from crossbar_sim.analog.direction import ReadDirection


def read_events(direction: ReadDirection, name: str, enc: EncodedInput, x: np.ndarray, clipped: int,
                newton_W: float | None) -> AnalogReadEvents:
    """Event counts of one batched read of ``x`` (driven, batch) in ``direction``, recorded as ``name``;
    ``clipped`` and ``newton_W`` are the read's own (clipped conversions; its Newton-solved cell power, W,
    or None)."""
    n_vec, planes, pulses = x.shape[1], enc.planes, direction.pulses
    hw = direction.hardware
    line_pulses = pulses * direction.lines_per_input  # physical line activations per non-zero level
    row_pulses = cell_reads = driven_lines = channels = adcs = 0
    driven_cells_V2 = 0.0
    cell_vi_W = 0.0 if newton_W is None else newton_W
    conducted = cell_drive(enc, direction.cell)  # the levels the cells conduct (enc itself for ohmic cells)
    for b in direction.blocks:
        levels = enc.levels[:, b.drive_start:b.drive_stop, :]
        active = int(np.count_nonzero(levels)) * line_pulses
        row_pulses += active * b.n_tiles
        cell_reads += active * b.sensed_lines
        driven_lines += (b.drive_stop - b.drive_start) * direction.lines_per_input * b.n_tiles
        channels += b.tile_ids.size
        _, per_group = np.unique(b.tile_ids, return_counts=True)
        adcs += int(np.sum(-(-(per_group // pulses) // hw.adc.columns_per_adc)))
        squares = np.einsum("kin,kin->i", levels, levels, dtype=np.float64)
        driven_cells_V2 += float(squares.sum()) * enc.volts_per_level**2 * line_pulses * b.sensed_lines
        if newton_W is None:  # V_i·I_i per line: the drive level times the level its cells conduct
            products = squares if conducted is enc else np.einsum(
                "kin,kin->i", levels, conducted.levels[:, b.drive_start:b.drive_stop, :], dtype=np.float64)
            cell_vi_W += float(products @ b.power_S) * enc.volts_per_level**2
    performed = np.any(enc.levels != 0, axis=1)  # (planes, batch): a driven line is non-zero
    if not hw.adc.skip_zero_reads:
        performed[:] = True
    n_performed = int(np.count_nonzero(performed))
    planes_per_vector = performed.sum(axis=0)
    n_out, n_in = direction.n_out, direction.n_in
    adc_bits = hw.adc.bits or 0
    n_blocks = len(direction.blocks)
    digital_adds = n_vec * n_out * (n_blocks - 1)
    if direction.digital_pairs:
        digital_adds += n_vec * n_out * n_blocks
    if enc.binary:
        digital_adds += n_vec * n_out
    if direction.weight_offset != 0.0:
        digital_adds += n_vec * (n_in - 1 + n_out)
    dac = (Counter() if enc.dac_bits is None
           else Counter({enc.dac_bits: n_performed * pulses * driven_lines}))
    return AnalogReadEvents(
        array=name, phase="", geometry=direction.geometry, bit_planes=planes * pulses, vectors=n_vec,
        read_cycles=n_performed * pulses, skipped_reads=(n_vec * planes - n_performed) * pulses,
        row_pulses=row_pulses, dac_conversions=dac, cell_reads=cell_reads, driven_cells_V2=driven_cells_V2,
        cell_vi_W=cell_vi_W, adc_conversions=Counter({adc_bits: n_performed * channels}), adc_clipped=clipped,
        shift_adds=int(np.maximum(planes_per_vector - 1, 0).sum()) * channels, digital_adds=digital_adds,
        sense_nodes=channels // pulses, adcs=adcs)
