"""Named random streams: every draw derives from the configured seed and the identity of what is drawn.

A stream depends only on the base seed and its name path (e.g. ``("repeat", 3, "W_H")``, or a sweep
point's identity), never on the order in which streams are created or on which worker creates them.
Each name contributes 64 bits of its SHA-256 to a numpy ``SeedSequence`` after the base seed.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_entropy(part: object) -> int:
    digest = hashlib.sha256(repr(part).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def seed_sequence(seed: int, *names: object) -> np.random.SeedSequence:
    """The ``SeedSequence`` of the stream ``names`` under base ``seed``."""
    return np.random.SeedSequence([int(seed), *(_name_entropy(n) for n in names)])


def stream(seed: int, *names: object) -> np.random.Generator:
    """A Generator for the stream ``names`` under base ``seed`` (independent of creation order)."""
    return np.random.default_rng(seed_sequence(seed, *names))


def derive_seed(seed: int, *names: object) -> int:
    """A 63-bit integer seed for the stream ``names`` under base ``seed`` (e.g. one sweep point's seed)."""
    return int(seed_sequence(seed, *names).generate_state(1, np.uint64)[0] >> np.uint64(1))
