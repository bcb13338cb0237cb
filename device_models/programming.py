"""Write-verify programming of analogue conductances: the window [G_off, G_on] and the programming error.

A programmed cell's target lies in the window [G_off, G_on], G_off = G_on / on_off_ratio. A cell whose
target is the off state (G_off: a zero weight of a differential pair, the smallest weight of an offset
column) is RESET and not verified: its conductance is drawn from the off-state distribution, lognormal
with mean G_off and standard deviation off_state_spread·G_off. Every other cell is verified until its
read lands near the target; what is left is the programming error, target + σ(target)·ε with ε ~ N(0, 1)
and σ(G) of :mod:`device_models.sigma` (relative, absolute and tabulated terms), clipped at 0 S (a
conductance is not negative; this only matters when σ approaches the target). Moments of a verified
cell, before the clip: E[G] = target, Var[G] = σ(target)². The draws are device-to-device: made once
per programming, from the Generator passed in, and independent of any read.

Defaults are assumptions, not taken from a measured chip: on/off ratio 20 (G_off = 1 µS under a 20 µS
G_on), a 30 % off-state spread and a 0.5 µS absolute write-verify error. The mechanism (incremental-pulse
write–verify into an acceptance range, a residual spread after relaxation) is that of Wan et al.,
"A compute-in-memory chip based on resistive random-access memory", Nature (2022),
doi:10.1038/s41586-022-04992-8, Extended Data Fig. 3; its figures were not verified here, so none is
used. :meth:`ProgrammingModel.ideal` is the old ideal behaviour: window [0, G_on], no error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from device_models.errors import ParameterError, check_fields, check_finite, check_nonnegative, check_positive
from device_models.sampling import lognormal_log_params
from device_models.sigma import SigmaTable, check_sigma_table, sigma_S


@dataclass(frozen=True)
class ProgrammingModel:
    """How target conductances are written: the off state and the write-verify error.

    Attributes:
        on_off_ratio: G_on / G_off of the programming window (> 1; G_on is the mapping's g_max_S), or null
            for no off-state conductance (G_off = 0 S, the ideal window).
        off_state_spread: device-to-device spread of the off state, standard deviation relative to G_off
            (lognormal with mean G_off; 0 puts every off cell at G_off).
        error_relative_sigma: write-verify error of a verified cell, standard deviation relative to its
            target.
        error_sigma_S: write-verify error independent of the target, standard deviation in siemens.
        error_sigma_table_S: (target G_S, σ_S) points of a tabulated write-verify error, linear between
            points, held at the ends; adds in quadrature to the relative and absolute terms.
    """

    on_off_ratio: float | None = 20.0
    off_state_spread: float = 0.3
    error_relative_sigma: float = 0.0
    error_sigma_S: float = 0.5e-6
    error_sigma_table_S: SigmaTable = ()

    def __post_init__(self) -> None:
        name = type(self).__name__
        if self.on_off_ratio is not None and check_finite(f"{name}.on_off_ratio", self.on_off_ratio) <= 1.0:
            raise ParameterError(f"{name}.on_off_ratio", self.on_off_ratio,
                                 "must be > 1 (G_off below G_on)")
        check_fields(self, off_state_spread=check_nonnegative, error_relative_sigma=check_nonnegative,
                     error_sigma_S=check_nonnegative)
        object.__setattr__(self, "error_sigma_table_S",
                           check_sigma_table(f"{name}.error_sigma_table_S", self.error_sigma_table_S))

    @classmethod
    def ideal(cls) -> ProgrammingModel:
        """The ideal programming: window [0, G_on], every cell exactly at its target."""
        return cls(on_off_ratio=None, off_state_spread=0.0, error_relative_sigma=0.0, error_sigma_S=0.0)

    def off_conductance_S(self, on_conductance_S: float) -> float:
        """G_off (S) of the window whose top is ``on_conductance_S``."""
        g_on = check_positive("on_conductance_S", on_conductance_S)
        return 0.0 if self.on_off_ratio is None else g_on / self.on_off_ratio

    def error_std_S(self, target_S: np.ndarray) -> np.ndarray:
        """σ (S) of the write-verify error of a verified cell with target ``target_S``."""
        return sigma_S(target_S, self.error_relative_sigma, self.error_sigma_S, self.error_sigma_table_S)

    def off_state_std_S(self, off_conductance_S: float) -> float:
        """Standard deviation (S) of an off cell: off_state_spread·G_off."""
        return self.off_state_spread * off_conductance_S

    def program(self, target_S: np.ndarray, off_conductance_S: float, rng: np.random.Generator) -> np.ndarray:
        """The conductances (S) written for ``target_S`` (every target in [G_off, ∞)).

        Cells at or below ``off_conductance_S`` take the off state, the others the verified target with
        its error. Draws come from ``rng.spawn(2)`` children (error, off state), one value per cell
        whatever the targets, so the draw of a cell depends on its position only.
        """
        target = np.asarray(target_S, dtype=float)
        g_off = check_nonnegative("off_conductance_S", off_conductance_S)
        if np.any(target < g_off):
            raise ParameterError("target_S", f"<min {float(target.min())!r}>",
                                 f"must be >= G_off = {g_off!r} S")
        error_rng, off_rng = rng.spawn(2)
        error = self.error_std_S(target) * error_rng.standard_normal(target.shape)
        verified = np.maximum(target + error, 0.0)
        off = np.full(target.shape, g_off)
        if g_off > 0.0 and self.off_state_spread > 0.0:
            mu_log, sigma_log = lognormal_log_params(g_off, self.off_state_std_S(g_off))
            off = off_rng.lognormal(mu_log, sigma_log, size=target.shape)
        return np.where(target <= g_off, off, verified)
