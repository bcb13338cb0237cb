"""The process-wide single-threaded-BLAS section: set by the first user, restored by the last."""

from __future__ import annotations

import numpy as np  # noqa: F401  (loads numpy's BLAS before the controller looks)
import scipy.linalg  # noqa: F401  (and scipy's)
from threadpoolctl import threadpool_info

from crossbar_sim.common.blas import single_threaded_blas


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_nested_sections():
    before = _blas_threads()
    with single_threaded_blas():
        with single_threaded_blas():
            pass
        assert _blas_threads() == [1] * len(before)
    assert _blas_threads() == before
