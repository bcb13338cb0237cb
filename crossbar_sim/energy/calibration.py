"""Calibration of the paper preset (``paper-esgnn-2023``): the ADC constant fitted to the paper's MUTAG total.

Energy is affine in the Walden figure of merit, E(FOM) = E₀ + FOM · S with S = Σ conversions · 2^ENOB,
so the FOM that gives a target reservoir energy is solved in closed form. A preset carrying a fitted value
says so in its ``calibration`` entry, which every report priced with it shows.
"""

from __future__ import annotations

from dataclasses import replace

from crossbar_sim.analog.ledger import EventLedger
from crossbar_sim.energy.pricing import price_ledger
from crossbar_sim.energy.technology import AnalogTechnology
from device_models.errors import ParameterError


def fit_adc_fom(ledger: EventLedger, tech: AnalogTechnology, target_J: float) -> float:
    """Walden FOM (J per conversion step) making ``price_ledger(ledger)`` total ``target_J``."""
    e0 = price_ledger(ledger, replace(tech, adc_walden_fom_J_per_step=0.0)).total_J
    e1 = price_ledger(ledger, replace(tech, adc_walden_fom_J_per_step=1e-15)).total_J
    fom = (target_J - e0) / (e1 - e0) * 1e-15
    if fom <= 0:
        raise ParameterError("target_J", target_J, f"must exceed the FOM-independent energy {e0:.4g} J")
    return fom
