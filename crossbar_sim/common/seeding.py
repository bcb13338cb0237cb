"""Named random streams: every draw derives from the configured seed and the identity of what is drawn.

A stream's Generator depends only on the base seed and its name path (e.g. ``("repeat", 3, "W_H")``), never on
the order in which streams are created or on which worker creates them.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_entropy(part: object) -> int:
    digest = hashlib.sha256(repr(part).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def stream(seed: int, *names: object) -> np.random.Generator:
    """A Generator for the stream ``names`` under base ``seed`` (independent of creation order)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *(_name_entropy(n) for n in names)]))
