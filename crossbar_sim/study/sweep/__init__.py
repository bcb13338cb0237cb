"""Parameter sweeps: expansion into seeded points, fault-tolerant execution, the results store, plots."""

from crossbar_sim.common.seeding import derive_seed
from crossbar_sim.study.sweep.execute import SweepSummary, run_point, run_sweep
from crossbar_sim.study.sweep.expand import SweepPlan, SweepPoint, expand_sweep, point_identity
from crossbar_sim.study.sweep.store import ResultStore, export_csv, flatten

__all__ = [
    "ResultStore",
    "SweepPlan",
    "SweepPoint",
    "SweepSummary",
    "derive_seed",
    "expand_sweep",
    "export_csv",
    "flatten",
    "point_identity",
    "run_point",
    "run_sweep",
]
