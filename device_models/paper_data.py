"""Locate and read the ESGNN paper's measured data (Wang et al., Nat. Mach. Intell. 5, 104 (2023)).

The files are read in place from the folder named by ``CROSSBAR_SIM_PAPER_DATA``; nothing is copied.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ENV_VAR = "CROSSBAR_SIM_PAPER_DATA"


class PaperDataNotFound(FileNotFoundError):
    """The paper-data folder is not configured or a file is missing from it."""


def paper_data_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """The paper-data folder: ``root`` if given, else ``$CROSSBAR_SIM_PAPER_DATA``."""
    value = root if root is not None else os.environ.get(ENV_VAR)
    if not value:
        raise PaperDataNotFound(
            f"{ENV_VAR} is not set: point it at the folder holding the ESGNN paper's source data "
            "(e.g. ../shared/paper_data)"
        )
    path = Path(value)
    if not path.is_dir():
        raise PaperDataNotFound(f"{ENV_VAR} = {str(path)!r}: not a folder")
    return path


def _read_csv(name: str, root: str | os.PathLike[str] | None) -> np.ndarray:
    path = paper_data_dir(root) / name
    if not path.is_file():
        raise PaperDataNotFound(f"paper data file {str(path)!r} does not exist")
    return np.loadtxt(path, delimiter=",", ndmin=2)


def breakdown_voltages_V(root: str | os.PathLike[str] | None = None) -> np.ndarray:
    """The 400 measured forming (breakdown) voltages of the 20×20 array, in volts."""
    return _read_csv("ext_fig1_breakdown_voltage_V.csv", root).ravel()


def input_array_conductance_S(root: str | os.PathLike[str] | None = None) -> np.ndarray:
    """Measured 50×8 input-array conductance map in siemens (0 where the cell did not form)."""
    return _read_csv("fig1_input_array_conductance_uS.csv", root) * 1e-6


def recurrent_array_conductance_S(root: str | os.PathLike[str] | None = None) -> np.ndarray:
    """Measured 50×50 recurrent-array conductance map in siemens (0 where the cell did not form)."""
    return _read_csv("fig1_recurrent_array_conductance_uS.csv", root) * 1e-6


def measured_conductance_maps_S(root: str | os.PathLike[str] | None = None) -> list[np.ndarray]:
    """The measured input (50×8) and recurrent (50×50) conductance maps in siemens."""
    return [input_array_conductance_S(root), recurrent_array_conductance_S(root)]
