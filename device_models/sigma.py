"""A conductance-dependent standard deviation σ(G): relative, absolute and tabulated terms.

σ(G)² = (relative·G)² + absolute_S² + table(G)², the three terms independent. ``table`` is a tuple of
(G_S, σ_S) points with strictly increasing G: σ is interpolated linearly in G between the points and
held at the end values outside them (a single point is a constant σ).
"""

from __future__ import annotations

import numpy as np

from device_models.errors import ParameterError

SigmaTable = tuple[tuple[float, float], ...]


def check_sigma_table(name: str, table: object) -> SigmaTable:
    """``table`` as a tuple of (G_S, σ_S) float pairs: finite, G >= 0 strictly increasing, σ >= 0."""
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, table, "must be a list of [conductance, sigma] pairs") from None
    if arr.size == 0:
        return ()
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ParameterError(name, table, "must be a list of [conductance, sigma] pairs")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, table, "every conductance and sigma must be finite")
    if np.any(arr < 0):
        raise ParameterError(name, table, "conductances and sigmas must be >= 0")
    if np.any(np.diff(arr[:, 0]) <= 0):
        raise ParameterError(name, table, "conductances must be strictly increasing")
    return tuple((float(g), float(s)) for g, s in arr)


def table_sigma_S(conductance_S: np.ndarray, table: SigmaTable) -> np.ndarray:
    """σ (S) interpolated from ``table`` at each conductance (0 for an empty table)."""
    g = np.asarray(conductance_S, dtype=float)
    if not table:
        return np.zeros_like(g)
    points = np.asarray(table)
    return np.interp(g, points[:, 0], points[:, 1])


def sigma_S(conductance_S: np.ndarray, relative: float, absolute_S: float, table: SigmaTable) -> np.ndarray:
    """σ(G) (S): sqrt((relative·G)² + absolute_S² + table(G)²)."""
    g = np.asarray(conductance_S, dtype=float)
    return np.sqrt((relative * g) ** 2 + absolute_S**2 + table_sigma_S(g, table) ** 2)
