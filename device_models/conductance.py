"""Device-to-device conductance of formed and of pristine (unformed) cells, drawn once at forming.

Formed-state defaults: 12.3 ± 1.8 µS, the non-zero cells of the measured input and recurrent arrays
of Wang et al., Nat. Mach. Intell. 5, 104 (2023), Fig. 1. Pristine cells: ≈ 10 MΩ (0.1 µS), same paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from device_models.errors import (
    check_choice,
    check_fields,
    check_nonnegative,
    check_positive,
    check_sample_tuple,
)
from device_models.sampling import lognormal_log_params, resample, truncated_normal

FORMED_DISTRIBUTIONS = ("normal", "lognormal", "empirical")


@dataclass(frozen=True)
class FormedConductanceModel:
    """Distribution of the conductance a cell takes when it breaks down.

    Attributes:
        distribution: ``"normal"``: N(mean_S, std_S²) truncated to > 0 (``mean_S``/``std_S`` are the
            parameters of the untruncated normal); ``"lognormal"``: the lognormal whose own mean and
            standard deviation are ``mean_S`` and ``std_S``; ``"empirical"``: resample ``samples_S``.
        mean_S: mean conductance in siemens (normal, lognormal).
        std_S: standard deviation in siemens (normal, lognormal).
        samples_S: measured formed-cell conductances in siemens (empirical; at least 2, all > 0).
    """

    distribution: Literal["normal", "lognormal", "empirical"] = "normal"
    mean_S: float = 12.3e-6
    std_S: float = 1.8e-6
    samples_S: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        name = type(self).__name__
        check_choice(f"{name}.distribution", self.distribution, FORMED_DISTRIBUTIONS)
        check_positive(f"{name}.mean_S", self.mean_S)
        check_nonnegative(f"{name}.std_S", self.std_S)
        samples = check_sample_tuple(f"{name}.samples_S", self.samples_S, positive=True,
                                     required=self.distribution == "empirical")
        object.__setattr__(self, "samples_S", samples)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw one formed-state conductance (S) per cell."""
        if self.distribution == "empirical":
            return resample(np.asarray(self.samples_S), shape, rng)
        if self.distribution == "lognormal":
            mu_log, sigma_log = lognormal_log_params(self.mean_S, self.std_S)
            return rng.lognormal(mu_log, sigma_log, size=shape)
        return truncated_normal(self.mean_S, self.std_S, shape, rng)


@dataclass(frozen=True)
class PristineConductanceModel:
    """Conductance of cells that did not break down: N(G, (relative_sigma·G)²) truncated to > 0.

    Attributes:
        conductance_S: mean pristine conductance in siemens (default 0.1 µS, i.e. 10 MΩ).
        relative_sigma: device-to-device spread relative to ``conductance_S`` (default 0.1, an
            assumption: the paper gives only the ≈ 10 MΩ typical value).
    """

    conductance_S: float = 1e-7
    relative_sigma: float = 0.1

    def __post_init__(self) -> None:
        check_fields(self, conductance_S=check_positive, relative_sigma=check_nonnegative)

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw one pristine conductance (S) per cell."""
        return truncated_normal(self.conductance_S, self.relative_sigma * self.conductance_S, shape, rng)
