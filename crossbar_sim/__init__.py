"""crossbar-sim: analogue RRAM crossbar arrays running echo state graph neural networks.

The public face: the names a user needs, loaded on first use (``import crossbar_sim`` stays cheap, and
the CLI starts without compiling kernels it does not call)::

    from crossbar_sim import AnalogMatrix, HardwareConfig, RRAMDeviceModel, load_experiment, run_experiment

Layers, in import order (each imports only earlier ones): ``device_models`` (cells) → ``common`` →
``circuit`` (wires, IR drop) → ``periphery`` (DAC/encoders, sensing, ADC) → ``mapping`` (weights to
conductances, tiles) → ``analog`` (``AnalogMatrix``) → ``energy`` → ``esgnn`` → ``study`` (configs,
experiments, sweeps) → ``plots`` → ``cli``.
"""

from __future__ import annotations

import importlib
from typing import Any

from crossbar_sim.common.version import __version__

#: public name -> module that defines it
EXPORTS: dict[str, str] = {
    "RRAMDeviceModel": "device_models",
    "WireParasitics": "crossbar_sim.circuit.wires",
    "ArrayConfig": "crossbar_sim.circuit.config",
    "solve_ir_drop": "crossbar_sim.circuit.irdrop",
    "to_spice_netlist": "crossbar_sim.circuit.spice",
    "run_ngspice": "crossbar_sim.circuit.spice",
    "InputConfig": "crossbar_sim.periphery.config",
    "ADCConfig": "crossbar_sim.periphery.config",
    "ReadNoiseConfig": "crossbar_sim.periphery.config",
    "MappingConfig": "crossbar_sim.mapping.config",
    "HardwareConfig": "crossbar_sim.analog.hardware",
    "AnalogMatrix": "crossbar_sim.analog.matrix",
    "EventLedger": "crossbar_sim.analog.ledger",
    "load_technology": "crossbar_sim.energy.technology",
    "build_report": "crossbar_sim.energy.report",
    "load_dataset": "crossbar_sim.esgnn.datasets",
    "download_dataset": "crossbar_sim.esgnn.datasets",
    "ExperimentConfig": "crossbar_sim.study.experiment",
    "load_experiment": "crossbar_sim.study.experiment",
    "run_experiment": "crossbar_sim.study.experiment",
    "expand_sweep": "crossbar_sim.study.sweep",
    "run_sweep": "crossbar_sim.study.sweep",
    "ResultStore": "crossbar_sim.study.sweep",
}

__all__ = ["__version__", *sorted(EXPORTS)]


def __getattr__(name: str) -> Any:
    if name not in EXPORTS:
        raise AttributeError(f"module 'crossbar_sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(EXPORTS))
