"""Shared fixtures: data folders are read in place from the environment (set by make and .ci/run)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

_HERE = Path(__file__).resolve().parent
_SHARED = _HERE.parent.parent / "shared"

# The toy runner (tests/toy_runner.py) is a plugin runner; sweep workers inherit the variable.
os.environ["CROSSBAR_SIM_RUNNERS"] = "toy=toy_runner"

# Running pytest by hand from a checkout beside ../shared behaves like make.
for _var, _sub in (("CROSSBAR_SIM_DATA", "datasets"), ("CROSSBAR_SIM_PAPER_DATA", "paper_data")):
    if not os.environ.get(_var) and (_SHARED / _sub).is_dir():
        os.environ[_var] = str(_SHARED / _sub)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(scope="session")
def paper_data_dir() -> Path:
    value = os.environ.get("CROSSBAR_SIM_PAPER_DATA")
    if not value or not Path(value).is_dir():
        pytest.skip("CROSSBAR_SIM_PAPER_DATA is not set (the ESGNN paper data is not beside the repo)")
    return Path(value)


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    value = os.environ.get("CROSSBAR_SIM_DATA")
    if not value or not Path(value).is_dir():
        pytest.skip("CROSSBAR_SIM_DATA is not set (the datasets are not beside the repo)")
    return Path(value)
