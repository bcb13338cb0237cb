"""RRAM device models: forming by dielectric breakdown, conductance, write-verify programming, read noise,
drift, stuck cells.

This package knows nothing of crossbars and imports nothing from ``crossbar_sim``.
"""

from device_models import paper_data  # noqa: E402 - the measured data of Wang et al. 2023, read in place
from device_models.breakdown import BreakdownVoltageModel
from device_models.calibration import (
    BreakdownFit,
    calibrate_from_measurements,
    compare_breakdown_fits,
    fit_breakdown,
    fit_formed,
)
from device_models.conductance import FormedConductanceModel, PristineConductanceModel
from device_models.device import RRAMDeviceModel
from device_models.drift import DriftModel
from device_models.errors import ParameterError
from device_models.formed_array import FormedArray
from device_models.programming import ProgrammingModel
from device_models.read_noise import ReadNoiseModel
from device_models.stuck import StuckCellModel

__all__ = [
    "BreakdownFit",
    "BreakdownVoltageModel",
    "DriftModel",
    "FormedArray",
    "FormedConductanceModel",
    "ParameterError",
    "PristineConductanceModel",
    "ProgrammingModel",
    "RRAMDeviceModel",
    "ReadNoiseModel",
    "StuckCellModel",
    "calibrate_from_measurements",
    "compare_breakdown_fits",
    "fit_breakdown",
    "fit_formed",
    "paper_data",
]
