"""Energy, latency and area: technology tables, ledger pricing, analytic ESGNN workload, GPU baseline."""

from crossbar_sim.energy.area import AREA_COMPONENTS, ledger_area_m2
from crossbar_sim.energy.calibration import fit_adc_fom
from crossbar_sim.energy.gpu import AGGREGATIONS, GpuEstimate, gpu_estimate
from crossbar_sim.energy.latency import ledger_latency_s
from crossbar_sim.energy.pricing import COMPONENTS, EnergyBreakdown, price_ledger
from crossbar_sim.energy.report import EnergyReport, build_report, format_table
from crossbar_sim.energy.technology import AnalogTechnology, GpuTechnology, Technology, load_technology
from crossbar_sim.energy.workload import EsgnnShape, HardwareMapping, esgnn_ledger

__all__ = [
    "AGGREGATIONS", "AREA_COMPONENTS", "AnalogTechnology", "COMPONENTS", "EnergyBreakdown", "EnergyReport",
    "EsgnnShape", "GpuEstimate", "GpuTechnology", "HardwareMapping", "Technology", "build_report",
    "esgnn_ledger", "fit_adc_fom", "format_table", "gpu_estimate", "ledger_area_m2", "ledger_latency_s",
    "load_technology", "price_ledger",
]
