"""Event ledger: what the simulated hardware did, counted so the energy layer can price it.

The crossbar layer records one :class:`AnalogReadEvents` per batched read of a logical matrix;
digital work (activations, accumulations, shift-adds done off-array) and data movement are recorded
as counts. Records are grouped by *phase* (set with :meth:`EventLedger.phase`) and by array name,
and records with the same key are summed, so the ledger stays small however many reads it sees.
Energy and latency are computed from a ledger by :mod:`crossbar_sim.energy`; the ledger itself
holds counts and the physical sums that need the actual voltages (Σ V·I of the cell reads).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace

from device_models.errors import ParameterError

#: workload phases (``drift_compensation``: the reference reads of :mod:`crossbar_sim.analog.compensation`)
PHASES = ("input_projection", "recurrence", "aggregation", "pooling", "readout", "drift_compensation",
          "other")
DIGITAL_OPS = ("mac", "add", "mul", "activation", "compare")


@dataclass(frozen=True)
class TileGeometry:
    """How one logical matrix sits on physical tiles and is sensed (what latency and area need).

    ``tiles`` physical arrays work in parallel; each has at most ``rows_per_tile`` driven lines and
    ``cols_per_tile`` sensed lines (a differential pair counts as two columns). ``stacked_tiles`` tiles
    share each sense node (the row tiles of a column block with analogue tile accumulation, else 1);
    ``columns_per_adc`` sense nodes are multiplexed onto each ADC (converted one after another).
    """

    tiles: int
    rows_per_tile: int
    cols_per_tile: int
    stacked_tiles: int = 1
    columns_per_adc: int = 1


#: fields of :class:`AnalogReadEvents` that describe the matrix rather than count events (not summed)
_FIXED_FIELDS = ("array", "phase", "geometry", "bit_planes", "sense_nodes", "adcs")


@dataclass
class AnalogReadEvents:
    """Counts from analogue reads of one logical matrix (summed over calls with the same key).

    A *read* is one pulse of one input vector (a bit plane, or the single DAC pass) on every tile of the
    matrix; a read whose driven lines are all at 0 V is skipped when the schedule says so
    (``hardware.adc.skip_zero_reads``): it is counted in ``skipped_reads`` and nowhere else.

    Attributes:
        array: logical matrix name (e.g. ``"W_H"``).
        phase: workload phase, one of :data:`PHASES`.
        geometry: tiling of the matrix.
        bit_planes: sequential read pulses per input vector (n for n-bit bit-serial, 1 for a DAC).
        vectors: input vectors read.
        read_cycles: sequential analogue read cycles performed (tiles in parallel), at most
            ``vectors * bit_planes``.
        skipped_reads: read cycles skipped because every driven line was at 0 V.
        row_pulses: driven-line activations with a non-zero voltage, one per tile the line crosses,
            summed over vectors and planes.
        dac_conversions: multi-level DAC conversions by resolution in bits.
        cell_reads: cell-pulse events on driven lines (Σ over row pulses of the cells on the line).
        driven_cells_V2: Σ over row pulses of V² × the cells on the driven line, in V²; × the line
            capacitance per cell = the energy drawn charging the driven lines (E = C·V²).
        cell_vi_W: Σ over pulses of Σ over cells of V_cell·I_cell, in watts; × pulse width = joules.
        adc_conversions: conversions by resolution in bits; key 0 means an ideal (unquantised) read.
        adc_clipped: conversions that hit the ADC's full-scale range.
        shift_adds: digital shift-and-add operations combining the converted bit planes.
        digital_adds: other digital additions (partial sums across tiles, offset correction,
            differential subtraction done after the ADC).
        sense_nodes: sense nodes (TIAs) of the matrix in this direction, one per converted channel.
        adcs: ADCs of the matrix in this direction (``ceil(sense nodes / columns_per_adc)`` per sense group).
    """

    array: str
    phase: str
    geometry: TileGeometry
    bit_planes: int
    vectors: int = 0
    read_cycles: int = 0
    skipped_reads: int = 0
    row_pulses: int = 0
    dac_conversions: Counter = field(default_factory=Counter)
    cell_reads: int = 0
    driven_cells_V2: float = 0.0
    cell_vi_W: float = 0.0
    adc_conversions: Counter = field(default_factory=Counter)
    adc_clipped: int = 0
    shift_adds: int = 0
    digital_adds: int = 0
    sense_nodes: int = 0
    adcs: int = 0

    def key(self) -> tuple:
        return (self.phase, self.array, self.geometry, self.bit_planes)

    def merge(self, other: AnalogReadEvents) -> None:
        """Add the counts of ``other`` (same key) into this record."""
        if other.key() != self.key():
            raise ValueError(f"cannot merge records with keys {self.key()} and {other.key()}")
        for f in fields(self):
            if f.name in _FIXED_FIELDS:
                continue
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            else:
                setattr(self, f.name, mine + theirs)
        self.sense_nodes = max(self.sense_nodes, other.sense_nodes)
        self.adcs = max(self.adcs, other.adcs)


class EventLedger:
    """Collects analogue read events, digital operation counts and bytes moved, by phase."""

    def __init__(self) -> None:
        self._phase = "other"
        self._analog: dict[tuple, AnalogReadEvents] = {}
        self._digital: Counter = Counter()  # (phase, op) -> count
        self._bytes: Counter = Counter()  # (phase, what) -> bytes

    @property
    def current_phase(self) -> str:
        return self._phase

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Record everything inside the ``with`` block under phase ``name``."""
        if name not in PHASES:
            raise ParameterError("phase", name, "must be one of " + ", ".join(PHASES))
        previous, self._phase = self._phase, name
        try:
            yield
        finally:
            self._phase = previous

    def add_analog(self, events: AnalogReadEvents) -> None:
        """Add one batched read (its ``phase`` is replaced by the current phase if empty)."""
        if not events.phase:
            events = replace(events, phase=self._phase)
        key = events.key()
        if key in self._analog:
            self._analog[key].merge(events)
        else:
            self._analog[key] = events

    def add_digital(self, op: str, count: int, phase: str | None = None) -> None:
        """Count ``count`` digital operations of kind ``op`` (one of :data:`DIGITAL_OPS`)."""
        if op not in DIGITAL_OPS:
            raise ParameterError("op", op, "must be one of " + ", ".join(DIGITAL_OPS))
        if count < 0:
            raise ParameterError("count", count, "must be >= 0")
        self._digital[(phase or self._phase, op)] += int(count)

    def add_transfer(self, n_bytes: int, what: str = "data", phase: str | None = None) -> None:
        """Count ``n_bytes`` moved between memory and compute (``what`` labels the transfer)."""
        if n_bytes < 0:
            raise ParameterError("n_bytes", n_bytes, "must be >= 0")
        self._bytes[(phase or self._phase, what)] += int(n_bytes)

    @property
    def analog(self) -> list[AnalogReadEvents]:
        """All analogue read records, one per (phase, array, geometry, bit planes)."""
        return list(self._analog.values())

    @property
    def digital(self) -> dict[tuple[str, str], int]:
        """Digital operation counts keyed by (phase, op)."""
        return dict(self._digital)

    @property
    def transfers(self) -> dict[tuple[str, str], int]:
        """Bytes moved keyed by (phase, what)."""
        return dict(self._bytes)

    def merge(self, other: EventLedger) -> None:
        """Add every record of ``other`` into this ledger."""
        for ev in other.analog:
            self.add_analog(replace(ev, dac_conversions=Counter(ev.dac_conversions),
                                    adc_conversions=Counter(ev.adc_conversions)))
        self._digital.update(other._digital)
        self._bytes.update(other._bytes)
