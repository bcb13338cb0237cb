"""AnalogMatrix: a logical matrix programmed on crossbar tiles, multiplied by Ohm's and Kirchhoff's laws.

The facade users call: it forms or programs the tiles (:mod:`crossbar_sim.mapping`), solves their IR
drop once when it is on, and reads them through the hardware in either direction, speaking numpy:
``M @ x`` drives the word lines with x (in,) or (in, batch) and senses the bit lines; ``x @ M`` drives
the bit lines with x (out,) or (batch, out) and senses the word lines (:mod:`crossbar_sim.analog.
orientation`); ``M.T`` is the transposed matrix on the same tiles; ``M.as_linear_operator()`` is a
:class:`scipy.sparse.linalg.LinearOperator` whose matvec/rmatvec are the two reads. The forward read is
set up when the matrix is programmed, the reverse one at its first use. Both share the tiles, the
random streams (the per-cell sampler and the output-space noise seeds) and the ledger, where a
reverse read is recorded under the name ``<name>.T``. ``M.at_time(t, rng)`` reads the same formed cells
later (their drift), through the periphery as characterised at ``hardware.train_time_s``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator

from crossbar_sim.analog.compensation import (
    COMPENSATION_PHASE,
    analog_magnitude,
    global_gain,
    reference_input,
)
from crossbar_sim.analog.direction import ReadDirection
from crossbar_sim.analog.events import read_events
from crossbar_sim.analog.hardware import HardwareConfig
from crossbar_sim.analog.ledger import EventLedger, TileGeometry
from crossbar_sim.analog.orientation import forward_tiles, reverse_tiles
from crossbar_sim.circuit.irdrop import IRDropSolution, solve_ir_drop_many
from crossbar_sim.mapping.tiling import Tile, tile_matrix
from crossbar_sim.mapping.weights import MappedMatrix, map_conductances, map_weights, program_mapped
from device_models.device import RRAMDeviceModel
from device_models.errors import ParameterError, check_array, check_int, check_nonnegative, check_positive
from device_models.formed_array import FormedArray


def _pairs(g: np.ndarray, differential: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(G⁺, G⁻) from adjacent formed columns, or (G, None) for offset columns."""
    return (g[:, 0::2], g[:, 1::2]) if differential else (g, None)


class _Programmed:
    """What a matrix and its transpose share: the programmed tiles, random streams, ledger and reads.

    ``known`` is the matrix the digital periphery believes it holds (its row sums feed the bit-serial
    offset correction): the programmed one unless given. ``origin`` is the characterised matrix whose
    ADC ranges and compensation reference a later read keeps (:meth:`AnalogMatrix.at_time`); ``formed``
    the formed cells (and their drift law) of a random array.
    """

    def __init__(self, mapped: MappedMatrix, read: MappedMatrix, hardware: HardwareConfig,
                 rng: np.random.Generator, name: str, ledger: EventLedger | None,
                 known: MappedMatrix | None = None) -> None:
        self.mapped = mapped
        self.known = mapped if known is None else known
        self.origin = self
        self.formed: FormedArray | None = None
        self.reference: float | None = None  # the compensation's reference magnitude, read once
        self.compensated = False
        self.gain = 1.0  # digital gain on the converted outputs (drift compensation)
        self.hardware = hardware
        self.name = name
        self.ledger = ledger
        self.rng = rng.spawn(1)[0]
        self.noise_rng = self.rng.spawn(1)[0]
        hw = hardware
        self.tiles = tile_matrix(read, hw.array.max_rows, hw.array.max_cols)
        flat = [t for row in self.tiles for t in row]
        self.solutions = (solve_ir_drop_many([t.conductance_S for t in flat], hw.array.wires)
                          if hw.array.ir_drop else [None] * len(flat))
        self.differential = read.g_minus_S is not None
        self.forward = ReadDirection(forward_tiles(self.tiles, self.solutions, self.differential),
                                     self.known.analog_weights, mapped.weight_per_S, mapped.weight_offset, hw,
                                     reverse=False)
        self._reverse: ReadDirection | None = None

    def keep_ranges_of(self, origin: _Programmed) -> None:
        """Read with ``origin``'s ADC ranges and drift law (the system does not re-profile)."""
        self.origin, self.formed = origin, origin.formed
        if origin.forward.full_scale_A is not None:
            self.forward.full_scale_A = origin.forward.full_scale_A.copy()

    def reference_magnitude(self, record: bool) -> float:
        """Σ|analogue outputs| of a forward read of the compensation's reference input (recorded in the
        ledger under the compensation phase when ``record``)."""
        x = reference_input(self.forward.n_in)
        full_scale = self.forward.full_scale_A
        if full_scale is None:
            raise RuntimeError(f"{self.name}: ADC range_mode 'calibrated' needs calibrate(X) before reading")
        y, enc, clipped, newton_W = self.forward.read(x, full_scale, self.rng, self.noise_rng)
        if record and self.ledger is not None:
            with self.ledger.phase(COMPENSATION_PHASE):
                self.ledger.add_analog(read_events(self.forward, self.name, enc, x, clipped, newton_W))
        return analog_magnitude(y, x, self.forward.weight_offset)

    def compensate(self) -> None:
        """Global drift compensation: rescale the converted outputs of both directions by the ratio of the
        origin's reference read (taken once, a calibration read: not recorded) to this one's (recorded)."""
        origin = self.origin
        if origin.reference is None:
            origin.reference = origin.reference_magnitude(record=False)
        self.gain = global_gain(origin.reference, self.reference_magnitude(record=True))
        self.compensated = True
        # the digital scale k (converted current -> weight) carries the gain: the analogue part is
        # rescaled, the digital offset terms (known row sums, w_min·Σx) are not
        for direction in (self.forward, self._reverse):
            if direction is not None:
                direction.weight_per_S = self.mapped.weight_per_S * self.gain

    @property
    def reverse(self) -> ReadDirection:
        """The reverse read, set up at its first use."""
        if self._reverse is None:
            m = self.mapped
            self._reverse = ReadDirection(reverse_tiles(self.tiles, self.solutions, self.differential),
                                          self.known.analog_weights.T, m.weight_per_S * self.gain,
                                          m.weight_offset, self.hardware, reverse=True)
            if self.origin is not self and self.origin.reverse.full_scale_A is not None:
                self._reverse.full_scale_A = self.origin.reverse.full_scale_A.copy()
        return self._reverse


class AnalogMatrix:
    """A logical (out, in) matrix on analogue crossbar tiles; ``M @ x`` and ``x @ M`` read it through the
    hardware (``M.T`` is its transpose on the same tiles)."""

    __array_ufunc__ = None  # ndarray @ AnalogMatrix defers to __rmatmul__
    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, mapped: MappedMatrix, hardware: HardwareConfig, rng: np.random.Generator,
                 name: str = "W", ledger: EventLedger | None = None,
                 read_mapped: MappedMatrix | None = None, known: MappedMatrix | None = None) -> None:
        """Program ``mapped``; reads use ``read_mapped`` (e.g. drifted) if given, and the digital offset
        correction the row sums of ``known`` (default ``mapped``). Prefer the constructors."""
        if not isinstance(hardware, HardwareConfig):
            raise ParameterError("hardware", hardware, "must be a HardwareConfig")
        if not isinstance(rng, np.random.Generator):
            raise ParameterError("rng", rng, "must be a numpy.random.Generator")
        self._shared = _Programmed(mapped, read_mapped or mapped, hardware, rng, name, ledger, known)
        self._transposed = False
        self._transpose: AnalogMatrix | None = None

    # ----------------------------------------------------------------- constructors
    @classmethod
    def from_weights(cls, weights: np.ndarray, hardware: HardwareConfig, rng: np.random.Generator,
                     name: str = "W", ledger: EventLedger | None = None) -> AnalogMatrix:
        """Program a given signed (out, in) matrix (mapping per ``hardware.mapping``: max|W| → g_max_S, zero
        (offset: the smallest) weight → G_off). The write-verify error (``hardware.mapping.programming``) is
        drawn once here, from the first child of ``rng.spawn(2)``; reads draw from the second. ``weights``
        are the targets, the tiles hold the written conductances."""
        program_rng, read_rng = rng.spawn(2)
        targets = map_weights(weights, hardware.mapping)
        written = program_mapped(targets, hardware.mapping, program_rng)
        return cls(targets, hardware, read_rng, name, ledger, read_mapped=written)

    @classmethod
    def random(cls, out_features: int, in_features: int, hardware: HardwareConfig, device: RRAMDeviceModel,
               weight_scale: float, rng: np.random.Generator, name: str = "W",
               ledger: EventLedger | None = None) -> AnalogMatrix:
        """Form a random array whose conductances define W: ``weight_scale`` is weight per siemens.

        ``hardware.mapping.mode`` ``"differential"``: W = weight_scale·(G⁺ − G⁻) on adjacent formed
        columns (zero mean); ``"offset"``: W = weight_scale·G (the paper: W_H = 0.01·G/µS is
        weight_scale = 1e4 per S). ``weights`` are the conductances at forming (the drift law's
        reference time t0); reads happen at ``hardware.train_time_s`` (the device's drift law, one
        exponent ν per cell drawn at forming), where the system is characterised: the bit-serial offset
        correction uses the row sums of the array as it reads then (noise-free: a well-averaged reference
        read), and the ADC ranges are set on it (``calibrate``, or the worst case of ``tile_max``).
        :meth:`at_time` reads the same cells later. The read noise is the hardware config's
        (:class:`crossbar_sim.periphery.config.ReadNoiseConfig`).
        """
        out_features = check_int("out_features", out_features, minimum=1)
        in_features = check_int("in_features", in_features, minimum=1)
        check_positive("weight_scale", weight_scale)
        mode = hardware.mapping.mode
        form_rng, read_rng = rng.spawn(2)
        per = 2 if mode == "differential" else 1
        formed = device.form((in_features, per * out_features), form_rng)
        mapped = map_conductances(*_pairs(formed.conductance_S, per == 2), weight_scale)
        read = mapped.with_conductances(*_pairs(formed.conductance_at(hardware.train_time_s), per == 2))
        matrix = cls(mapped, hardware, read_rng, name, ledger, read_mapped=read, known=read)
        matrix._shared.formed = formed
        return matrix

    def at_time(self, time_s: float, rng: np.random.Generator,
                ledger: EventLedger | None = None) -> AnalogMatrix:
        """The same formed cells read ``time_s`` seconds after forming, by the system as characterised at
        ``hardware.train_time_s`` (the matrix :meth:`random` returned, or the one this was read from).

        Each cell drifts with the exponent drawn at forming (the same cells drift coherently across
        times); the tiles are re-read and their IR drop re-solved on the drifted conductances. The ADC
        ranges of both directions and the row sums of the offset correction stay the characterised ones
        (the system does not re-profile). With ``hardware.drift_compensation`` ``"global"`` the converted
        outputs are rescaled by the ratio of two reference reads (:mod:`crossbar_sim.analog.compensation`),
        the one at ``time_s`` recorded in ``ledger`` with one digital multiply per output of every read.
        ``rng`` seeds the new read streams; reads record into ``ledger``.
        """
        origin = self._shared.origin
        if origin.formed is None:
            raise ParameterError("at_time", self.name, "only arrays formed by AnalogMatrix.random drift "
                                 "(programmed arrays have no drift law)")
        train_s = origin.hardware.train_time_s
        if check_nonnegative("time_s", time_s) < train_s:
            raise ParameterError("time_s", time_s, f"must be >= hardware.train_time_s = {train_s}")
        differential = origin.mapped.g_minus_S is not None
        read = origin.mapped.with_conductances(*_pairs(origin.formed.conductance_at(time_s), differential))
        later = AnalogMatrix(origin.mapped, origin.hardware, rng, origin.name, ledger, read_mapped=read,
                             known=origin.known)
        later._shared.keep_ranges_of(origin)
        if origin.hardware.drift_compensation == "global":
            later._shared.compensate()
        return later.T if self._transposed else later

    # ----------------------------------------------------------------- the transpose
    @property
    def T(self) -> AnalogMatrix:  # noqa: N802 - numpy's name
        """The transposed matrix on the same tiles, random streams and ledger: ``M.T @ x == x @ M``."""
        if self._transpose is None:
            view = object.__new__(AnalogMatrix)
            view._shared, view._transposed, view._transpose = self._shared, not self._transposed, self
            self._transpose = view
        return self._transpose

    @property
    def _direction(self) -> ReadDirection:
        return self._shared.reverse if self._transposed else self._shared.forward

    # ----------------------------------------------------------------- properties
    @property
    def name(self) -> str:
        """The matrix's name in the ledger (``<name>.T`` for the transpose)."""
        return self._shared.name + (".T" if self._transposed else "")

    @property
    def hardware(self) -> HardwareConfig:
        return self._shared.hardware

    @property
    def ledger(self) -> EventLedger | None:
        """Where reads are recorded (shared with the transpose); None records nothing."""
        return self._shared.ledger

    @ledger.setter
    def ledger(self, ledger: EventLedger | None) -> None:
        self._shared.ledger = ledger

    @property
    def weights(self) -> np.ndarray:
        """(out, in) the logical matrix as programmed (noise-free, before drift)."""
        w = self._shared.mapped.weights
        return w.T if self._transposed else w

    @property
    def shape(self) -> tuple[int, int]:
        n_in, n_out = self._shared.mapped.g_plus_S.shape
        return (n_in, n_out) if self._transposed else (n_out, n_in)

    @property
    def weight_per_S(self) -> float:
        """k: logical weight per siemens of conductance."""
        return self._shared.mapped.weight_per_S

    @property
    def tiles(self) -> list[list[Tile]]:
        """Physical tiles (as read) with their place in the logical matrix: ``[row block][column block]``."""
        return [list(row) for row in self._shared.tiles]

    @property
    def conductances(self) -> list[list[np.ndarray]]:
        """Physical tiles (S) as ``[row block][column block]``, (rows, cols); pairs interleaved G⁺, G⁻."""
        return [[t.conductance_S for t in row] for row in self._shared.tiles]

    @property
    def ir_drop_solutions(self) -> list[IRDropSolution | None]:
        """Per physical tile (row-major) IR-drop solution, or None when IR drop is off."""
        return list(self._shared.solutions)

    @property
    def geometry(self) -> TileGeometry:
        """Tiles, driven lines per tile and sensed lines per tile of this direction's read."""
        return self._direction.geometry

    @property
    def adc_full_scale_A(self) -> np.ndarray:
        """ADC full-scale current for this direction's read, amperes: (tiles,) one per tile (row-major), or
        with analogue tile accumulation (``hardware.adc.tile_accumulation``) one per column of tiles."""
        return self._require_full_scale().copy()

    def _require_full_scale(self) -> np.ndarray:
        fs = self._direction.full_scale_A
        if fs is None:
            raise RuntimeError(f"{self.name}: ADC range_mode 'calibrated' needs calibrate(X) before reading")
        return fs

    # ----------------------------------------------------------------- reads
    def _inputs(self, x: np.ndarray) -> np.ndarray:
        """x as a finite, contiguous float64 (in, batch) array (ParameterError otherwise)."""
        return np.ascontiguousarray(check_array("x", x, shape=(self.shape[1], None), axes=("in", "batch")))

    def calibrate(self, x: np.ndarray) -> np.ndarray:
        """Set each tile's ADC full scale to the configured percentile of |I| (A) on inputs x (in, batch).

        Uses the noise-free channel currents of every pulse (with IR drop when on); ranges this
        direction's ADCs only (``M.T.calibrate`` ranges the reverse read's). Returns (tiles,) A.
        """
        return self._direction.calibrate(self._inputs(x))

    def matmul(self, x: np.ndarray) -> np.ndarray:
        """(out, batch) = W @ x through the hardware, for x (in, batch); draws noise from the matrix's rng."""
        return self._read(self._inputs(x))

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        """W @ x for x (in,) → (out,) or (in, batch) → (out, batch)."""
        if np.ndim(x) != 1:
            return self.matmul(x)
        x = check_array("x", x, shape=(self.shape[1],), axes=("in",))
        return self._read(np.ascontiguousarray(x[:, None]))[:, 0]

    def __rmatmul__(self, x: np.ndarray) -> np.ndarray:
        """x @ W, a read driven from the other side: x (out,) → (in,) or (batch, out) → (batch, in)."""
        n_out = self.shape[0]
        if np.ndim(x) == 1:
            x = check_array("x", x, shape=(n_out,), axes=("out",))
            return self.T._read(np.ascontiguousarray(x[:, None]))[:, 0]
        x = check_array("x", x, shape=(None, n_out), axes=("batch", "out"))
        return self.T._read(np.ascontiguousarray(x.T)).T

    def _read(self, x: np.ndarray) -> np.ndarray:
        """(out, batch) hardware read of a checked, contiguous x (in, batch); records it in the ledger."""
        shared = self._shared
        y, enc, clipped, newton_W = self._direction.read(x, self._require_full_scale(), shared.rng,
                                                         shared.noise_rng)
        if shared.ledger is not None:
            shared.ledger.add_analog(read_events(self._direction, self.name, enc, x, clipped, newton_W))
            if shared.compensated:
                shared.ledger.add_digital("mul", y.size)  # the compensation's gain on every output
        return y

    def as_linear_operator(self) -> LinearOperator:
        """A scipy LinearOperator: matvec/matmat are hardware reads ``M @ x``, rmatvec/rmatmat ``M.T @ x``."""
        return LinearOperator(self.shape, matvec=self.__matmul__, rmatvec=self.T.__matmul__,
                              matmat=self.matmul, rmatmat=self.T.matmul, dtype=self.dtype)
