"""Wire parasitics of a crossbar array: word-line and bit-line segments, driver and sense resistances.

Default segment resistance: a 40 nm metal line at a cell pitch of about 1 µm has a resistance of
order 1 Ω per segment, so ``wordline_segment_ohm`` and ``bitline_segment_ohm`` default to 1.0 Ω.
The driver output and the TIA virtual ground are ideal by default (0 Ω). A resistance of 0 means
an ideal connection (the nodes are merged).
"""

from __future__ import annotations

from dataclasses import dataclass

from device_models.errors import check_nonnegative


@dataclass(frozen=True)
class WireParasitics:
    """Resistances (ohms, each finite and >= 0) of the wires around a crossbar array.

    wordline_segment_ohm: between adjacent cells along a word line (row).
    bitline_segment_ohm: between adjacent cells along a bit line (column).
    driver_ohm: from the ideal row voltage source to the first cell of its word line.
    sense_ohm: from the last cell of a bit line to the TIA virtual ground.
    """

    wordline_segment_ohm: float = 1.0
    bitline_segment_ohm: float = 1.0
    driver_ohm: float = 0.0
    sense_ohm: float = 0.0

    def __post_init__(self) -> None:
        for name in ("wordline_segment_ohm", "bitline_segment_ohm", "driver_ohm", "sense_ohm"):
            object.__setattr__(self, name, check_nonnegative(name, getattr(self, name)))

    @property
    def is_ideal(self) -> bool:
        """True when every resistance is 0, so column currents are exactly ``V @ G``."""
        return (
            self.wordline_segment_ohm == 0.0
            and self.bitline_segment_ohm == 0.0
            and self.driver_ohm == 0.0
            and self.sense_ohm == 0.0
        )

    def mirrored(self) -> WireParasitics:
        """The wires of the mirrored array: word and bit lines swapped, driver end <-> sense end."""
        return WireParasitics(wordline_segment_ohm=self.bitline_segment_ohm,
                              bitline_segment_ohm=self.wordline_segment_ohm,
                              driver_ohm=self.sense_ohm, sense_ohm=self.driver_ohm)
