"""Global drift compensation: one digital gain per matrix from two reads of a known input.

The scheme of aihwkit's global drift compensation (IBM's Analog Hardware Acceleration Kit): right after
the system is characterised (``hardware.train_time_s``) and again at each later inference time, the matrix
is read with a fixed, known input; the ratio α = Σ|y_ref(train)| / Σ|y_ref(now)| of the two responses
rescales every converted output of the matrix. A uniform drift G → r·G (every cell the same exponent, no
IR drop, ideal ADC, no read noise) is undone exactly: y_ref(now) = r·y_ref(train), so α = 1/r. A spread
of exponents, IR drop, ADC quantisation (the ranges stay the characterised ones) and read noise in the
two reference reads leave a residual.

α multiplies the analogue part only: the digital offset terms (the bit-serial x_min times the row sums
known at train time, and the offset mapping's w_min·Σx) do not drift and are added unscaled. Cost: the
reference read at each inference time (recorded in the ledger under :data:`COMPENSATION_PHASE`; the one at
train time is part of the one-off calibration, like the profiling pass, and is not recorded) and one
digital multiply per output of every compensated read.
"""

from __future__ import annotations

import numpy as np

from device_models.errors import ParameterError, check_int

COMPENSATION_PHASE = "drift_compensation"


def reference_input(n_in: int) -> np.ndarray:
    """(n_in, 1) the known input: every input at 1 but the first, at 0.

    The 0 keeps the bit-serial encoder's per-vector minimum at 0, so the other inputs are driven at its
    top code on every plane (a constant vector would be folded whole into the digital x_min offset and
    leave no analogue signal); DAC and ideal inputs drive them at full scale.
    """
    n_in = check_int("n_in", n_in, minimum=2)
    x = np.ones((n_in, 1))
    x[0] = 0.0
    return x


def analog_magnitude(y: np.ndarray, x: np.ndarray, weight_offset: float) -> float:
    """Σ|y − w_min·Σx|: the size of the analogue part of the read y of inputs x (the offset mapping's
    w_min·Σx is digital; the reference input has x_min = 0, so no bit-serial offset term)."""
    return float(np.abs(y - weight_offset * x.sum(axis=0)[None, :]).sum())


def global_gain(reference: float, now: float) -> float:
    """α = reference / now, the gain that brings the reference response back to its characterised size."""
    if not (np.isfinite(now) and now > 0.0):
        raise ParameterError("reference read", now, "must give a finite, positive Σ|y| to compensate drift "
                             "(the matrix reads no analogue signal)")
    return reference / now
