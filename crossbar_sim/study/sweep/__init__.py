"""Parameter sweeps: expansion into seeded points, fault-tolerant execution, the results store as flat
columns, and paired differences against a reference point."""

from crossbar_sim.common.seeding import derive_seed
from crossbar_sim.study.sweep.columns import flatten_columns
from crossbar_sim.study.sweep.compare import PairedComparison, PointDifference, mean_ci95, paired_differences
from crossbar_sim.study.sweep.execute import SweepSummary, run_point, run_sweep
from crossbar_sim.study.sweep.expand import SweepPlan, SweepPoint, expand_sweep, point_identity, point_seed
from crossbar_sim.study.sweep.store import ResultStore, export_csv, flatten

__all__ = [
    "PairedComparison",
    "PointDifference",
    "ResultStore",
    "SweepPlan",
    "SweepPoint",
    "SweepSummary",
    "derive_seed",
    "expand_sweep",
    "export_csv",
    "flatten",
    "flatten_columns",
    "mean_ci95",
    "paired_differences",
    "point_identity",
    "point_seed",
    "run_point",
    "run_sweep",
]
