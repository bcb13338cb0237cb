"""One direction of reading a programmed matrix: its channels, ADC ranges and the read chain.

A read encodes the inputs as pulses (:mod:`crossbar_sim.periphery.encoders`), senses every block of
tiles that share driven lines (fast output-space noise in :mod:`crossbar_sim.analog.noisy_read`, or the
per-cell reference in :mod:`crossbar_sim.analog.reference`, or noise-free), converts each channel with
its ADC and shift-adds the planes in the fused kernels, then adds the blocks' partial sums (digital tile
accumulation; with analogue accumulation the blocks share their sense nodes and are read as one) and
the digital corrections (pairs subtracted digitally, the bit-serial x_min offset, the offset mapping's
w_min·Σx). Reads with noise or a finite ADC run in float32 (relative error ~1e-7, far below 2 % noise
and an 8-bit LSB); noise-free reads through an ideal ADC run in float64.
"""

from __future__ import annotations

import numpy as np

from crossbar_sim.analog.channels import channel_blocks, summed_block
from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import TileGeometry
from crossbar_sim.analog.noisy_read import read_noisy, split_channels
from crossbar_sim.analog.nonlinear_read import calibrated_newton_full_scale, cell_drive, read_newton
from crossbar_sim.analog.orientation import OrientedTile
from crossbar_sim.analog.ranging import calibrated_full_scale, initial_full_scale, worst_case_full_scale
from crossbar_sim.analog.reference import per_cell_currents
from crossbar_sim.periphery.adc import adc_code_range
from crossbar_sim.periphery.encoders import EncodedInput, encode_inputs, volts_per_level
from crossbar_sim.periphery.sensing import sense_accumulate, sense_accumulate_numpy


class ReadDirection:
    """The read of a (n_out, n_in) logical matrix whose n_in inputs drive the lines of ``grid``.

    grid: the tiles as this direction sees them, one row per block of tiles sharing driven lines.
    analog_weights: (n_out, n_in) the part of the matrix computed in the analogue domain as the system
        knows it (the bit-serial offset correction uses its row sums): the programmed targets, or for a
        formed array the conductances read when it was characterised (``hardware.train_time_s``, see
        :meth:`crossbar_sim.analog.matrix.AnalogMatrix.at_time`); ``weight_offset``: w_min of offset
        mapping. ``weight_per_S`` (k) also carries the drift compensation's digital gain.
    reverse: the bit lines are driven (pairs take two driven columns, pulses per plane as documented in
        :mod:`crossbar_sim.analog.orientation`).
    """

    def __init__(self, grid: list[list[OrientedTile]], analog_weights: np.ndarray, weight_per_S: float,
                 weight_offset: float, hardware: HardwareConfig, reverse: bool) -> None:
        hw = hardware
        self.hardware = hw
        self.grid = grid
        self.n_out, self.n_in = analog_weights.shape
        self.weight_per_S = weight_per_S
        self.weight_offset = weight_offset
        differential = grid[0][0].pair_axis is not None
        self.digital_pairs = differential and hw.mapping.pair_subtraction == "digital"
        self.pulses = 2 if reverse and self.digital_pairs else 1  # sequential pulses per plane
        self.lines_per_input = 2 if reverse and differential and not self.digital_pairs else 1
        noise = hw.read_noise
        model = noise.model()
        fast_noise = noise.enabled and noise.mode == "output"  # the per-cell reference draws cells itself
        # IR drop: the inputs' assumed E[x_i x_j]/E[x_i²]: bit planes have about half their lines on,
        # other inputs are signed (crossbar_sim.circuit.sensitivity)
        cross_weight = 0.5 if hw.input.mode == "bit_serial" else 0.0
        self.blocks = channel_blocks(grid, self.digital_pairs,
                                     (lambda g: model.std_S(g) ** 2) if fast_noise else None, cross_weight)
        self.block_rows = [[row] for row in grid]  # the rows of tiles each block reads
        stacked = 1
        if hw.adc.tile_accumulation == "analog" and len(grid) > 1:
            self.blocks, self.block_rows, stacked = [summed_block(self.blocks, grid[0])], [grid], len(grid)
        flat = [t for row in grid for t in row]
        self.n_tiles = len(flat)
        self.n_adc_groups = len(grid[0]) if stacked > 1 else self.n_tiles  # ADCs ranged together
        self.geometry = TileGeometry(self.n_tiles, max(t.conductance_S.shape[0] for t in flat),
                                     max(t.conductance_S.shape[1] for t in flat), stacked,
                                     hw.adc.columns_per_adc)
        signed_inputs = self.signed_inputs = hw.input.mode != "bit_serial"
        self.bipolar = (differential and not self.digital_pairs) or signed_inputs
        self.dtype = np.float64 if not noise.enabled and hw.adc.bits is None else np.float32
        volts = volts_per_level(hw.input, hw.array.read_voltage_V)
        self.fast = [split_channels(b, volts, self.dtype) for b in self.blocks]
        self.full_scale_A = initial_full_scale(self.blocks, self.n_adc_groups, hw.adc,
                                               hw.array.read_voltage_V, signed_inputs)
        self.analog_rowsum = analog_weights.sum(axis=1)
        self.cell = hw.array.cell
        self.newton = hw.array.ir_drop and not self.cell.is_ohmic  # every pulse solved by Newton's method

    def calibrate(self, x: np.ndarray) -> np.ndarray:
        """Range every ADC group on the noise-free currents of inputs x (n_in, batch); returns (groups,) A."""
        hw = self.hardware
        enc = encode_inputs(x, hw.input, hw.array.read_voltage_V, np.float64)
        groups = self.n_adc_groups
        worst = worst_case_full_scale(self.blocks, groups, hw.array.read_voltage_V, self.signed_inputs)
        if self.newton:
            self.full_scale_A = calibrated_newton_full_scale(self.block_rows, self.blocks, enc,
                                                             self.digital_pairs, self.cell, groups,
                                                             hw.adc.percentile, worst)
        else:
            self.full_scale_A = calibrated_full_scale(self.blocks, groups, cell_drive(enc, self.cell),
                                                      hw.adc.percentile, worst)
        return self.full_scale_A.copy()

    def read(self, x: np.ndarray, full_scale_A: np.ndarray, rng: np.random.Generator,
             noise_rng: np.random.Generator) -> tuple[np.ndarray, EncodedInput, int, float | None]:
        """(y (n_out, batch), the encoded inputs, clipped conversions, and for reads solved by Newton's
        method (non-ohmic cells under IR drop) the power Σ G·U·f(U) of the noise-free cells at their exact
        voltages U summed over pulses and vectors (W; None for the other reads, whose cell power
        :func:`crossbar_sim.analog.events.read_events` derives from the levels)) for x (n_in, batch).

        ``rng`` draws the per-cell reference's cells, ``noise_rng`` seeds the output-space noise streams.
        """
        hw = self.hardware
        per_cell = hw.read_noise.mode == "per_cell" and hw.read_noise.enabled
        enc = encode_inputs(x, hw.input, hw.array.read_voltage_V, np.float64 if per_cell else self.dtype)
        quantise = hw.adc.bits is not None
        code_min, code_max = adc_code_range(hw.adc.bits, self.bipolar) if quantise else (0, 0)
        vector_scale = self.weight_per_S * enc.scale / enc.volts_per_level
        n_vec = x.shape[1]
        drive = enc if self.newton else cell_drive(enc, self.cell)  # what the cells conduct, per level
        y = np.zeros((self.n_out, n_vec))
        clipped = 0
        newton_W = 0.0 if self.newton else None
        for rows, block, (mean_levels, ranges) in zip(self.block_rows, self.blocks, self.fast, strict=True):
            # channels are the outputs in order, so they accumulate straight into y (pairs: G⁺ then G⁻)
            acc = np.zeros((block.tile_ids.size, n_vec)) if self.digital_pairs else y
            lsb = full_scale_A[block.tile_ids] / code_max if quantise else np.ones(block.tile_ids.size)
            levels = drive.levels[:, block.drive_start:block.drive_stop, :]
            if self.newton:
                noise = hw.read_noise.model() if hw.read_noise.enabled else None
                sense_args = (quantise, lsb, code_min, code_max, vector_scale)
                read_clipped, read_W = read_newton(rows, levels, block.drive_start, enc, self.digital_pairs,
                                                   self.cell, noise, per_cell, sense_args, acc, rng,
                                                   noise_rng)
                clipped += read_clipped
                newton_W += read_W
                levels = levels[:0]
            elif hw.read_noise.enabled and not per_cell:
                clipped += read_noisy(ranges, levels, drive, quantise, lsb, code_min, code_max, vector_scale,
                                      acc, noise_rng)
                levels = levels[:0]
            for k, lv in enumerate(levels):
                args = (quantise, lsb, code_min, code_max, float(enc.plane_weights[k]), vector_scale, acc)
                if per_cell:
                    current = sum(per_cell_currents(row, lv[row[0].drive_start - block.drive_start:
                                                           row[0].drive_stop - block.drive_start]
                                                    * enc.volts_per_level, self.digital_pairs,
                                                    hw.read_noise.model(), rng) for row in rows)
                    clipped += sense_accumulate_numpy(current, current[:0], current[:0], False, *args)
                else:
                    mean = mean_levels @ lv
                    clipped += sense_accumulate(mean, mean[:0], mean[:0], False, *args)
            if self.digital_pairs:
                y += acc[:self.n_out] - acc[self.n_out:]
        if enc.binary:
            y += enc.offset[None, :] * self.analog_rowsum[:, None]
        if self.weight_offset != 0.0:
            y += self.weight_offset * x.sum(axis=0)[None, :]
        return y, enc, clipped, newton_W
