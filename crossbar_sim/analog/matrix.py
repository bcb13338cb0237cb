"""AnalogMatrix: a logical matrix programmed on crossbar tiles, multiplied by Ohm's and Kirchhoff's laws.

Read model (per row block of tiles; the column tiles of a block share its row voltages):

- A *channel* is what one ADC converts: a differential pair subtracted in the analogue domain
  (I⁺ − I⁻), or one column (offset mode, or a pair whose columns are converted separately).
- Mean channel current: V @ G_eff with G_eff from :func:`crossbar_sim.irdrop.solve_ir_drop` (exact
  for ohmic cells) when IR drop is on, else V @ G.
- Read noise, output mode: given the inputs, a channel's current is exactly Gaussian with variance
  Σ_i V_i²·Σ_cells (σ_rel²G² + σ_add²), the pair's variances summed. With IR drop the cell voltage
  is approximated as V_i·f_ij, f = ``cell_voltage_fraction`` (all rows driven equally), so the
  variance weights are (σ_rel²G² + σ_add²)·f²; the per-cell mode uses the exact cell voltages of the
  noise-free network and the noisy conductances. Both ignore the change of node voltages caused by
  the noise itself (second order). Measured error of the approximate noise std against exact cell
  voltages (G uniform in 0–20 µS, 1 Ω segments, 20 random inputs): 64×128 cells (f >= 0.90):
  median 0.3 % / max 0.6 % for non-negative inputs, 1.2 % / 1.8 % for signed ones; 256×512 cells
  (f >= 0.33, a 65 % IR-drop loss): 2.8 % / 7 % non-negative, 10 % / 20 % signed. Relative to the
  signal this is < 0.4 % at 2 % read noise. tests/test_vmm_noise.py checks a small case.
- Noise draws: standard normals are drawn inside the sensing kernel from xoshiro256** streams, one
  per CHANNELS_PER_STREAM channels, seeded from the matrix's Generator at every read
  (:mod:`crossbar_sim.normals`). A row block's channels are split into SENSE_THREADS ranges on stream
  boundaries and read in parallel threads, each multiplying with single-threaded BLAS, so the numbers
  do not depend on the thread count.
- Precision: reads with noise or a finite ADC run in float32 (relative error ~1e-7, far below 2 %
  noise and an 8-bit LSB); noise-free reads through an ideal ADC run in float64.
- The per-cell mode draws every cell's conductance per pulse and per vector with the device-layer
  sampler (:meth:`device_models.ReadNoiseModel.sample`) and multiplies in float64: the slow reference.

Ledger: cell_vi_W = Σ_vectors,planes Σ_i V_i²·Σ_j G_ij·f_ij² (f = 1 without IR drop): the power of
the noise-free cells under the uniform-drive cell-voltage approximation. Calibration reads are not
recorded (they are a one-off profiling pass).
"""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import AnalogReadEvents, EventLedger, TileGeometry
from crossbar_sim.circuit.irdrop import IRDropSolution, solve_ir_drop_many
from crossbar_sim.common.blas import single_threaded_blas
from crossbar_sim.mapping.tiling import Tile, tile_matrix
from crossbar_sim.mapping.weights import MappedMatrix, map_conductances, map_weights
from crossbar_sim.periphery.adc import adc_code_range, worst_case_current_A
from crossbar_sim.periphery.encoders import EncodedInput, encode_inputs, volts_per_level
from crossbar_sim.periphery.normals import stream_states
from crossbar_sim.periphery.sensing import sense_accumulate, sense_accumulate_noisy, sense_accumulate_numpy
from device_models.device import RRAMDeviceModel
from device_models.errors import ParameterError, check_choice, check_int, check_positive

MIN_FULL_SCALE_A = 1e-18  # full-scale floor for an all-zero tile (keeps the LSB finite)
CHANNELS_PER_STREAM = 64  # read-noise normals: one xoshiro256** stream per block of 64 channels
SENSE_THREADS = 2  # blocks of channels are sensed in this many threads (results do not depend on it)
_POOL = ThreadPoolExecutor(max_workers=SENSE_THREADS)


def _new_pool_after_fork() -> None:
    """A forked child inherits the pool but not its threads: give it a pool of its own."""
    global _POOL
    _POOL = ThreadPoolExecutor(max_workers=SENSE_THREADS)


os.register_at_fork(after_in_child=_new_pool_after_fork)


@dataclass(frozen=True, eq=False)
class _ChannelRange:
    """Channels [start, stop) of a row block, read by one thread, and their per-level matrices.

    start is a multiple of CHANNELS_PER_STREAM, so the range owns whole noise streams (``streams``).
    mean: A per level, var: A² per level², stacked: [mean; var] for 0/1 planes; each (channels, rows).
    """

    start: int
    stop: int
    mean: np.ndarray
    var: np.ndarray
    stacked: np.ndarray

    @property
    def streams(self) -> slice:
        return slice(self.start // CHANNELS_PER_STREAM, -(-self.stop // CHANNELS_PER_STREAM))


def _read_range(r: _ChannelRange, levels: np.ndarray, squares: np.ndarray | None, states: np.ndarray,
                plane_weights: np.ndarray, quantise: bool, lsb_A: np.ndarray, code_min: int, code_max: int,
                vector_scale: np.ndarray, acc: np.ndarray) -> int:
    """Read every plane of ``levels`` (planes, rows, batch) on the channels of ``r`` with read noise, convert
    and accumulate into ``acc``; ``squares`` are the levels squared (None for 0/1 planes), ``states`` the
    (planes, streams, 4) xoshiro states of the block. Returns the clipped conversions."""
    n = r.stop - r.start
    out = acc[r.start:r.stop]
    count = 0
    for k in range(levels.shape[0]):
        if squares is None:  # 0/1 levels: the variance product reuses the plane (u² = u)
            both = r.stacked @ levels[k]
            mean, var = both[:n], both[n:]
        else:
            mean, var = r.mean @ levels[k], r.var @ squares[k]
        streams = states[k, r.streams]  # a contiguous (streams, 4) view, advanced in place
        count += sense_accumulate_noisy(mean, var, streams, CHANNELS_PER_STREAM, 0, len(streams), quantise,
                                        lsb_A[r.start:r.stop], code_min, code_max, float(plane_weights[k]),
                                        vector_scale, out)
    return count


@dataclass(frozen=True, eq=False)
class _Channels:
    """What the ADCs of one row block see: one row per channel, one column per driven row."""

    row_start: int
    row_stop: int
    tile_ids: np.ndarray  # (channels,) global tile index of each channel
    mean_S: np.ndarray  # (channels, rows) effective conductance of the channel, S (signed for pairs)
    var_S2: np.ndarray  # (channels, rows) variance weights σ²·f², S²
    nominal_S: np.ndarray  # (channels, rows) programmed channel conductance, S (ADC ranging)
    power_S: np.ndarray  # (rows,) Σ_j G_ij·f_ij², S
    n_tiles: int
    phys_cols: int


def _tile_groups(tile: Tile, solution: IRDropSolution | None, differential: bool, digital: bool,
                 rel2: float, add2: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(mean, var, nominal) arrays (rows, channels) per channel group of one tile."""
    g = tile.conductance_S
    g_eff = g if solution is None else solution.effective_conductance_S
    f2 = 1.0 if solution is None else solution.cell_voltage_fraction**2
    var = (rel2 * g**2 + add2) * f2
    if not differential:
        return [(g_eff, var, g)]
    plus, minus = (g_eff[:, 0::2], var[:, 0::2], g[:, 0::2]), (g_eff[:, 1::2], var[:, 1::2], g[:, 1::2])
    if digital:
        return [plus, minus]
    return [(plus[0] - minus[0], plus[1] + minus[1], plus[2] - minus[2])]


class AnalogMatrix:
    """A logical (out, in) matrix on analogue crossbar tiles; ``M @ x`` reads it through the hardware."""

    def __init__(self, mapped: MappedMatrix, hardware: HardwareConfig, rng: np.random.Generator,
                 name: str = "W", ledger: EventLedger | None = None,
                 read_mapped: MappedMatrix | None = None) -> None:
        """Program ``mapped``; reads use ``read_mapped`` (e.g. drifted) if given. Prefer the constructors."""
        if not isinstance(hardware, HardwareConfig):
            raise ParameterError("hardware", hardware, "must be a HardwareConfig")
        if not isinstance(rng, np.random.Generator):
            raise ParameterError("rng", rng, "must be a numpy.random.Generator")
        self.name = name
        self.hardware = hardware
        self.ledger = ledger
        self._mapped = mapped
        self._rng = rng.spawn(1)[0]
        self._noise_rng = self._rng.spawn(1)[0]
        read = read_mapped or mapped
        hw = hardware
        self._tiles = tile_matrix(read, hw.array.max_rows, hw.array.max_cols)
        flat = [t for row in self._tiles for t in row]
        self._solutions = (solve_ir_drop_many([t.conductance_S for t in flat], hw.array.wires)
                           if hw.array.ir_drop else [None] * len(flat))
        self._differential = read.g_minus_S is not None
        self._digital_pairs = self._differential and hw.mapping.pair_subtraction == "digital"
        noise = hw.read_noise
        self._blocks: list[_Channels] = []
        tile_id = 0
        for row in self._tiles:
            groups = [_tile_groups(t, self._solutions[tile_id + i], self._differential, self._digital_pairs,
                                   noise.relative_sigma**2, noise.additive_sigma_S**2)
                      for i, t in enumerate(row)]
            parts = [[groups[i][k] for i in range(len(row))] for k in range(len(groups[0]))]
            ids = np.concatenate([np.full(g[0].shape[1], tile_id + i)
                                  for part in parts for i, g in enumerate(part)])
            stack = [np.ascontiguousarray(np.hstack([g[m] for part in parts for g in part]).T)
                     for m in range(3)]
            power = sum(((t.conductance_S if s is None else t.conductance_S * s.cell_voltage_fraction**2)
                         .sum(axis=1)) for t, s in zip(row, self._solutions[tile_id:], strict=False))
            self._blocks.append(_Channels(row[0].row_start, row[0].row_stop, ids, stack[0], stack[1],
                                          stack[2], power, len(row), sum(t.shape[1] for t in row)))
            tile_id += len(row)
        self._n_tiles = tile_id
        self._signed_inputs = hw.input.mode != "bit_serial"
        self._bipolar = (self._differential and not self._digital_pairs) or self._signed_inputs
        self._precise = not noise.enabled and hw.adc.bits is None
        self._dtype = np.float64 if self._precise else np.float32
        volts = volts_per_level(hw.input, hw.array.read_voltage_V)
        self._fast = [self._fast_matrices(b, volts) for b in self._blocks]
        self._full_scale_A: np.ndarray | None = self._initial_full_scale()
        self._analog_rowsum = mapped.analog_weights.sum(axis=1)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_weights(cls, weights: np.ndarray, hardware: HardwareConfig, rng: np.random.Generator,
                     name: str = "W", ledger: EventLedger | None = None) -> AnalogMatrix:
        """Program a given signed (out, in) matrix (mapping per ``hardware.mapping``; max|W| → g_max_S)."""
        return cls(map_weights(weights, hardware.mapping), hardware, rng, name, ledger)

    @classmethod
    def random(cls, out_features: int, in_features: int, hardware: HardwareConfig, device: RRAMDeviceModel,
               weight_scale: float, rng: np.random.Generator, name: str = "W",
               ledger: EventLedger | None = None,
               mode: Literal["differential", "offset"] | None = None) -> AnalogMatrix:
        """Form a random array whose conductances define W: ``weight_scale`` is weight per siemens.

        ``"differential"``: W = weight_scale·(G⁺ − G⁻) on adjacent formed columns (zero mean);
        ``"offset"``: W = weight_scale·G (the paper: W_H = 0.01·G/µS is weight_scale = 1e4 per S).
        mode None takes ``hardware.mapping.mode``. Reads happen ``hardware.drift_time_s`` after forming
        (the device's drift law); ``weights`` are the conductances at forming. The read noise is the
        hardware config's (see :class:`crossbar_sim.hardware.ReadNoiseConfig.from_model`).
        """
        out_features = check_int("out_features", out_features, minimum=1)
        in_features = check_int("in_features", in_features, minimum=1)
        check_positive("weight_scale", weight_scale)
        mode = check_choice("mode", mode or hardware.mapping.mode, ("differential", "offset"))
        form_rng, read_rng = rng.spawn(2)
        per = 2 if mode == "differential" else 1
        formed = device.form((in_features, per * out_features), form_rng)
        g_now = formed.conductance_at(hardware.drift_time_s)

        def split(g: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
            return (g[:, 0::2], g[:, 1::2]) if per == 2 else (g, None)

        mapped = map_conductances(*split(formed.conductance_S), weight_scale)
        read = mapped.with_conductances(*split(g_now))
        return cls(mapped, hardware, read_rng, name, ledger, read_mapped=read)

    # ----------------------------------------------------------------- properties
    @property
    def weights(self) -> np.ndarray:
        """(out, in) the logical matrix as programmed (noise-free, before drift)."""
        return self._mapped.weights

    @property
    def shape(self) -> tuple[int, int]:
        n_in, n_out = self._mapped.g_plus_S.shape
        return n_out, n_in

    @property
    def weight_per_S(self) -> float:
        """k: logical weight per siemens of conductance."""
        return self._mapped.weight_per_S

    @property
    def tiles(self) -> list[list[Tile]]:
        """Physical tiles (as read) with their place in the logical matrix: ``[row block][column block]``."""
        return [list(row) for row in self._tiles]

    @property
    def conductances(self) -> list[list[np.ndarray]]:
        """Physical tiles (S) as ``[row block][column block]``, (rows, cols); pairs interleaved G⁺, G⁻."""
        return [[t.conductance_S for t in row] for row in self._tiles]

    @property
    def ir_drop_solutions(self) -> list[IRDropSolution | None]:
        """Per tile (row-major) IR-drop solution, or None when IR drop is off."""
        return list(self._solutions)

    @property
    def geometry(self) -> TileGeometry:
        flat = [t for row in self._tiles for t in row]
        return TileGeometry(len(flat), max(t.shape[0] for t in flat), max(t.shape[1] for t in flat))

    @property
    def adc_full_scale_A(self) -> np.ndarray:
        """(tiles,) ADC full-scale current per tile, amperes (row-major tile order)."""
        return self._require_full_scale().copy()

    @property
    def adc_full_scale_V(self) -> np.ndarray:
        """(tiles,) ADC full-scale input voltage per tile (full-scale current × TIA gain), volts."""
        return self._require_full_scale() * self.hardware.adc.tia_gain_ohm

    # ----------------------------------------------------------------- set-up helpers
    def _fast_matrices(self, block: _Channels, volts_per_level: float
                       ) -> tuple[np.ndarray, list[_ChannelRange]]:
        """Per-level mean matrix (A per level, channels × rows) in the read precision, and the channels
        split into SENSE_THREADS ranges on stream boundaries with views of it and of the variances."""
        mean = np.ascontiguousarray(block.mean_S * volts_per_level, dtype=self._dtype)
        var = np.ascontiguousarray(block.var_S2 * volts_per_level**2, dtype=self._dtype)
        n_ch = mean.shape[0]
        n_streams = -(-n_ch // CHANNELS_PER_STREAM)
        edges = np.unique(np.linspace(0, n_streams, SENSE_THREADS + 1).astype(int)) * CHANNELS_PER_STREAM
        bounds = np.minimum(edges, n_ch)
        return mean, [_ChannelRange(int(a), int(b), mean[a:b], var[a:b], np.vstack([mean[a:b], var[a:b]]))
                      for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def _initial_full_scale(self) -> np.ndarray | None:
        adc = self.hardware.adc
        if adc.range_mode == "fixed":
            return np.full(self._n_tiles, adc.full_scale_A)
        if adc.range_mode == "calibrated":
            return None
        fs = np.zeros(self._n_tiles)
        for b in self._blocks:
            for t in np.unique(b.tile_ids):
                fs[t] = worst_case_current_A(b.nominal_S[b.tile_ids == t].T,
                                             self.hardware.array.read_voltage_V, self._signed_inputs)
        return np.maximum(fs, MIN_FULL_SCALE_A)

    def _require_full_scale(self) -> np.ndarray:
        if self._full_scale_A is None:
            raise RuntimeError(f"{self.name}: ADC range_mode 'calibrated' needs calibrate(X) before reading")
        return self._full_scale_A

    def calibrate(self, x: np.ndarray) -> np.ndarray:
        """Set each tile's ADC full scale to the configured percentile of |I| (A) on inputs x (in, batch).

        Uses the noise-free channel currents of every pulse (with IR drop when on). Returns (tiles,) A.
        """
        enc = encode_inputs(self._check_input(x), self.hardware.input, self.hardware.array.read_voltage_V,
                            np.float64)
        fs = np.zeros(self._n_tiles)
        for b in self._blocks:
            levels = enc.levels[:, b.row_start:b.row_stop, :]
            currents = np.stack([b.mean_S @ lv for lv in levels]) * enc.volts_per_level
            for t in np.unique(b.tile_ids):
                fs[t] = np.percentile(np.abs(currents[:, b.tile_ids == t, :]), self.hardware.adc.percentile)
        self._full_scale_A = np.maximum(fs, MIN_FULL_SCALE_A)
        return self._full_scale_A.copy()

    # ----------------------------------------------------------------- reads
    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        n_in = self.shape[1]
        if x.ndim != 2 or x.shape[0] != n_in:
            raise ParameterError("x", f"<array of shape {x.shape}>", f"must have shape ({n_in}, batch)")
        return x

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 1:
            raise ParameterError("x", f"<array of shape {x.shape}>", "M @ x takes a 1-D vector; use matmul")
        return self.matmul(x[:, None])[:, 0]

    def matmul(self, x: np.ndarray) -> np.ndarray:
        """(out, batch) = W @ x through the hardware, for x (in, batch); draws noise from the matrix's rng."""
        x = self._check_input(x)
        hw = self.hardware
        per_cell = hw.read_noise.mode == "per_cell" and hw.read_noise.enabled
        enc = encode_inputs(x, hw.input, hw.array.read_voltage_V, np.float64 if per_cell else self._dtype)
        fs = self._require_full_scale()
        quantise = hw.adc.bits is not None
        code_min, code_max = adc_code_range(hw.adc.bits, self._bipolar) if quantise else (0, 0)
        vector_scale = self._mapped.weight_per_S * enc.scale / enc.volts_per_level
        n_out, n_vec = self.shape[0], x.shape[1]
        y = np.zeros((n_out, n_vec))
        clipped = 0
        for index, (block, (mean_levels, ranges)) in enumerate(zip(self._blocks, self._fast, strict=True)):
            # channels are the outputs in order, so they accumulate straight into y (pairs: G⁺ then G⁻)
            acc = np.zeros((block.tile_ids.size, n_vec)) if self._digital_pairs else y
            lsb = fs[block.tile_ids] / code_max if quantise else np.ones(block.tile_ids.size)
            levels = enc.levels[:, block.row_start:block.row_stop, :]
            if hw.read_noise.enabled and not per_cell:
                clipped += self._read_noisy(ranges, levels, enc, quantise, lsb, code_min, code_max,
                                            vector_scale, acc)
                levels = levels[:0]
            for k, lv in enumerate(levels):
                args = (quantise, lsb, code_min, code_max, float(enc.plane_weights[k]), vector_scale, acc)
                if per_cell:
                    current = self._per_cell_currents(index, lv * enc.volts_per_level)
                    clipped += sense_accumulate_numpy(current, current[:0], current[:0], False, *args)
                else:
                    mean = mean_levels @ lv
                    clipped += sense_accumulate(mean, mean[:0], mean[:0], False, *args)
            if self._digital_pairs:
                y += acc[:n_out] - acc[n_out:]
        if enc.binary:
            y += enc.offset[None, :] * self._analog_rowsum[:, None]
        if self._mapped.weight_offset != 0.0:
            y += self._mapped.weight_offset * x.sum(axis=0)[None, :]
        if self.ledger is not None:
            self.ledger.add_analog(self._events(enc, x, clipped))
        return y

    def _read_noisy(self, ranges: list[_ChannelRange], levels: np.ndarray, enc: EncodedInput, quantise: bool,
                    lsb_A: np.ndarray, code_min: int, code_max: int, vector_scale: np.ndarray,
                    acc: np.ndarray) -> int:
        """Read all planes of one row block with read noise, its channel ranges in parallel threads.

        Each thread multiplies with single-threaded BLAS (idle BLAS threads would spin against the
        sensing kernels); returns the clipped conversions.
        """
        planes, n_streams = levels.shape[0], ranges[-1].streams.stop
        states = stream_states(self._noise_rng, planes * n_streams).reshape(planes, n_streams, 4)
        squares = None if enc.binary else levels * levels
        args = (levels, squares, states, enc.plane_weights, quantise, lsb_A, code_min, code_max,
                vector_scale, acc)
        if len(ranges) == 1:
            return _read_range(ranges[0], *args)
        with single_threaded_blas():
            jobs = [_POOL.submit(_read_range, r, *args) for r in ranges]
            return sum(job.result() for job in jobs)

    def _per_cell_currents(self, index: int, volts: np.ndarray) -> np.ndarray:
        """Channel currents (channels, batch) A of row block ``index`` with every cell drawn per vector.

        The slow reference: volts (rows, batch) are the applied row voltages.
        """
        sampler = self.hardware.read_noise.model()
        row = self._tiles[index]
        first = int(self._blocks[index].tile_ids.min())
        groups: list[list[np.ndarray]] = []
        for i, tile in enumerate(row):
            solution = self._solutions[first + i]
            cell_v = None if solution is None else solution.cell_voltages(volts.T)  # (batch, rows, cols)
            phys = np.empty((tile.shape[1], volts.shape[1]))
            for n in range(volts.shape[1]):
                g_read = sampler.sample(tile.conductance_S, self._rng)
                phys[:, n] = volts[:, n] @ g_read if cell_v is None else np.sum(cell_v[n] * g_read, axis=0)
            if not self._differential:
                groups.append([phys])
            elif self._digital_pairs:
                groups.append([phys[0::2], phys[1::2]])
            else:
                groups.append([phys[0::2] - phys[1::2]])
        return np.vstack([g[k] for k in range(len(groups[0])) for g in groups])

    def _events(self, enc: EncodedInput, x: np.ndarray, clipped: int) -> AnalogReadEvents:
        """Event counts of one batched read (see :class:`crossbar_sim.ledger.AnalogReadEvents`)."""
        n_vec, planes = x.shape[1], enc.planes
        n_out, n_in = self.shape
        row_pulses = cell_reads = driven_rows = channels = 0
        cell_vi_W = 0.0
        for b in self._blocks:
            levels = enc.levels[:, b.row_start:b.row_stop, :]
            active = int(np.count_nonzero(levels))
            row_pulses += active * b.n_tiles
            cell_reads += active * b.phys_cols
            driven_rows += (b.row_stop - b.row_start) * b.n_tiles
            channels += b.tile_ids.size
            squares = np.einsum("kin,kin->i", levels, levels, dtype=np.float64)
            cell_vi_W += float(squares @ b.power_S) * enc.volts_per_level**2
        adc_bits = self.hardware.adc.bits or 0
        n_blocks = len(self._blocks)
        digital_adds = n_vec * n_out * (n_blocks - 1)
        if self._digital_pairs:
            digital_adds += n_vec * n_out * n_blocks
        if enc.binary:
            digital_adds += n_vec * n_out
        if self._mapped.weight_offset != 0.0:
            digital_adds += n_vec * (n_in - 1 + n_out)
        dac = Counter() if enc.dac_bits is None else Counter({enc.dac_bits: n_vec * planes * driven_rows})
        return AnalogReadEvents(
            array=self.name, phase="", geometry=self.geometry, bit_planes=planes, vectors=n_vec,
            read_cycles=n_vec * planes, row_pulses=row_pulses, dac_conversions=dac, cell_reads=cell_reads,
            cell_vi_W=cell_vi_W, adc_conversions=Counter({adc_bits: n_vec * planes * channels}),
            adc_clipped=clipped, shift_adds=n_vec * (planes - 1) * channels, digital_adds=digital_adds)
