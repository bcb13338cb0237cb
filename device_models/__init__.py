"""RRAM device models: forming by dielectric breakdown, conductance, read noise, drift, stuck cells."""

from device_models.errors import ParameterError

__all__ = ["ParameterError"]
