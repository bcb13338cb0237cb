"""Checks `run` would make, done before any work: `validate` (and `run` and `sweep` before they start)
catch a bad technology, a missing dataset, a protocol the data cannot hold, or a run too large for the
memory of the machine, without forming an array.

The memory estimate (:func:`estimate_memory`) is the peak resident memory of one ESGNN run, from the
config and the dataset's size read cheaply (the node count is the line count of ``_graph_indicator``, the
input columns the distinct node labels plus the attribute columns, Planetoid sizes come from a table).
What is held for the whole run: the interpreter and libraries, the dataset, the reservoir arrays (the
float64 copies of the conductances every physical cell of W_I and W_H needs) and, with IR drop, each
cell's solution. On top of that the largest of the run's phases: forming (the IR-drop solve's packed
Cholesky factors, 4·m²·M bytes for a tile of m × M cells, m <= M, in each solver thread); the software
pass (its states, and the evenly spaced sample of every input batch the profiling matrices copy) and
the ADC calibration (the noise-free currents of every plane of the profiled inputs);
reading the arrays (states, the bit planes and their currents, per node and unit; the per-cell
reference read's cell voltages); the readout (its Gram matrix and eigendecomposition, over the smaller
of features and items). The constants
are fitted (relative least squares) to the peak RSS (``resource.getrusage``) of the 24 MUTAG, Cora,
PROTEINS and COLLAB runs of :data:`CALIBRATION`, measured each in a fresh interpreter by
``tools/measure_memory.py``; the estimate matches them within 9 % (within 7 % but for ideal inputs;
median 2 %). A run is refused above ``$CROSSBAR_SIM_MEMORY_LIMIT_GB``
(gigabytes, 10⁹ bytes), by default 80 % of the physical memory; a sweep on N local workers (processes
or a local Dask cluster) needs N times the estimate, each worker holding one run.
"""

from __future__ import annotations

import functools
import math
import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossbar_sim.circuit.irdrop import usable_cores
from crossbar_sim.common.data_paths import data_root
from crossbar_sim.energy import load_technology
from crossbar_sim.esgnn.datasets.errors import DatasetNotFound
from crossbar_sim.esgnn.datasets.manifest import DEFAULT_LIMITS, dataset_folder, is_planetoid, planetoid_files
from crossbar_sim.esgnn.datasets.textparse import count_lines, read_bytes
from crossbar_sim.esgnn.datasets.tudataset import tu_file
from crossbar_sim.study.config import ConfigError
from device_models.errors import ParameterError

MEMORY_LIMIT_ENV = "CROSSBAR_SIM_MEMORY_LIMIT_GB"
DEFAULT_MEMORY_SHARE = 0.8  # of the physical memory, without $CROSSBAR_SIM_MEMORY_LIMIT_GB
GB = 1e9

# Fitted to CALIBRATION (bytes): the interpreter with numpy, scipy, numba and the package loaded; per byte
# of dataset text; per physical cell of W_I and W_H; per node and unit of the software pass; per plane,
# unit and profiled column of the ADC calibration; per node and unit while the arrays are read, and per
# bit plane on top of that. Exact: IR_CELL_BYTES (the conductance, G_eff and the cell-voltage fraction
# kept per cell), the kept profiling inputs, the factors, the per-cell voltages and the readout matrices.
BASE_BYTES = 217e6
TEXT_BYTES = 1.5
CELL_BYTES = 74
SOFTWARE_BYTES = 56
CALIBRATION_BYTES = 21
READ_BYTES = 49
PLANE_BYTES = 7
IR_CELL_BYTES = 24
READOUT_COPIES = 4  # (F, F) float64 matrices of the ridge readout: Gram, eigenvectors, eigh's workspace
PROFILE_COLUMNS = 4096  # columns the profiling matrices sample (esgnn.matrices.ProfilingMatrix)

#: Peak RSS in MB (``resource.getrusage`` after one run) of experiment files with ``--set`` overrides of
#: their ``experiment:`` keys (``repeats: 1`` in every one), the runs the constants were fitted to
#: (``python tools/measure_memory.py`` re-measures them; 2 cores, numpy 2.4, Python 3.11). The Cora runs were
#: measured on the cora.yaml of that time, which is cora_paper_settings.yaml with 1200 units.
CALIBRATION: tuple[tuple[str, tuple[str, ...], float], ...] = tuple(
    (f"experiments/paper/{file}", tuple(f"{k}={v}" for k, v in sets.items()), mb)
    for file, sets, mb in (
        ("mutag.yaml", {}, 241),
        ("mutag.yaml", {"workload.reservoir.units": 400}, 534),
        ("mutag.yaml", {"workload.reservoir.units": 1000, "hardware.array.max_rows": 256,
                        "hardware.array.max_cols": 256}, 1123),
        ("cora_paper_settings.yaml", {"workload.reservoir.units": 1200}, 1735),
        *((file, {"hardware.array.ir_drop": "false", **sets}, mb) for file, sets, mb in (
            ("mutag.yaml", {"workload.reservoir.units": 1000}, 1083),
            ("mutag.yaml", {"workload.reservoir.units": 2000}, 2059),
            ("mutag.yaml", {"workload.reservoir.units": 1000, "hardware.mapping.mode": "differential"}, 1130),
            ("mutag.yaml", {"workload.reservoir.units": 1000, "hardware.input.bits": 8}, 1658),
            ("mutag.yaml", {"workload.reservoir.units": 1000, "hardware.input.bits": 2}, 768),
            ("mutag.yaml", {"workload.reservoir.units": 1000, "hardware.input.mode": "ideal"}, 642),
            ("mutag.yaml", {"workload.dataset": "PROTEINS", "workload.protocol": "stratified_kfold",
                            "workload.reservoir.units": 300}, 1299),
            ("mutag.yaml", {"workload.dataset": "PROTEINS", "workload.protocol": "stratified_kfold",
                            "workload.reservoir.units": 300, "workload.node_attributes": "raw"}, 1177),
            ("cora_paper_settings.yaml", {"workload.reservoir.units": 300}, 532),
            ("cora_paper_settings.yaml", {"workload.reservoir.units": 1000}, 1342),
            ("cora_paper_settings.yaml", {"workload.reservoir.units": 2000}, 2548),
            ("cora_paper_settings.yaml", {"workload.reservoir.units": 600, "hardware.input.bits": 8}, 1284),
            ("collab.yaml", {}, 2184),
            *((file, {"hardware.adc.range_mode": "fixed", **sets}, mb) for file, sets, mb in (
                ("mutag.yaml", {"workload.reservoir.units": 1000}, 594),
                ("mutag.yaml", {"workload.reservoir.units": 1000, "workload.baseline": "false"}, 589),
                ("mutag.yaml", {"workload.reservoir.units": 1000, "hardware.input.bits": 8}, 648),
                ("mutag.yaml", {"workload.reservoir.units": 2000}, 1170),
                ("cora_paper_settings.yaml", {"workload.reservoir.units": 1000}, 795),
                ("cora_paper_settings.yaml", {"workload.reservoir.units": 1000, "hardware.input.bits": 8},
                 842),
                ("collab.yaml", {}, 2183),
            )),
        )),
    )
)

#: Nodes and feature columns of the Planetoid datasets (their pickles are not read to find out).
PLANETOID_SHAPES = {"cora": (2708, 1433), "citeseer": (3327, 3703), "pubmed": (19717, 500)}


@dataclass(frozen=True)
class DatasetShape:
    """What the estimate needs of a dataset: nodes, input columns (bias excluded), graphs (None for a
    node task), the bytes of text (or pickles) the loader reads, and whether it has node attributes."""

    nodes: int
    inputs: int
    graphs: int | None
    file_bytes: int
    attributes: bool = False


@dataclass(frozen=True)
class MemoryTerm:
    """One part of a run's memory in bytes, the config keys that drive it, and the phase of the run that
    holds it (None: the whole run)."""

    what: str
    bytes: float
    keys: tuple[str, ...]
    phase: str | None = None


@dataclass(frozen=True)
class MemoryEstimate:
    """The parts of a run's memory; the peak is those held throughout plus the largest phase."""

    terms: tuple[MemoryTerm, ...]

    @property
    def peak_terms(self) -> list[MemoryTerm]:
        """The parts present at the peak."""
        phases: dict[str, float] = defaultdict(float)
        for t in self.terms:
            if t.phase is not None:
                phases[t.phase] += t.bytes
        peak = max(phases, key=phases.__getitem__) if phases else None
        return [t for t in self.terms if t.phase in (None, peak)]

    @property
    def total_bytes(self) -> float:
        return sum(t.bytes for t in self.peak_terms)

    def largest(self, n: int = 2) -> list[MemoryTerm]:
        """The ``n`` largest parts at the peak that some config key drives."""
        return sorted((t for t in self.peak_terms if t.keys), key=lambda t: -t.bytes)[:n]


def _text_bytes(path: Path) -> int:
    """Bytes the loader reads from ``path``: its size, or a gzip file's stored decompressed size."""
    if path.suffix != ".gz":
        return path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(-4, os.SEEK_END)
        return int.from_bytes(handle.read(4), "little")  # ISIZE: the size modulo 2³² (reads are capped)


def dataset_shape(folder: Path) -> DatasetShape:
    """The size of the dataset in ``folder`` (0 nodes when its node count file is missing)."""
    name = folder.name
    if is_planetoid(name):
        files = [folder / f for f in planetoid_files(name) if (folder / f).is_file()]
        nodes, inputs = PLANETOID_SHAPES[name.lower()]
        return DatasetShape(nodes, inputs, None, sum(p.stat().st_size for p in files))
    parts = ("graph_indicator", "graph_labels", "node_labels", "node_attributes", "A")
    paths = tuple(tu_file(folder, name, part, required=False) for part in parts)
    return _tu_shape(paths, tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in paths if p is not None))


@functools.lru_cache(maxsize=32)
def _tu_shape(paths: tuple[Path | None, ...], stamp: tuple) -> DatasetShape:
    """A TU dataset's shape from its files (cached by their paths, sizes and modification times)."""
    indicator, labels, node_labels, attributes, _ = paths

    def data(path: Path) -> bytes:
        return read_bytes(path, DEFAULT_LIMITS.max_file_bytes)

    inputs = 0 if node_labels is None else len(set(data(node_labels).split()))
    if attributes is not None:
        with attributes.open("rb") as handle:
            inputs += handle.readline(1 << 20).count(b",") + 1
    return DatasetShape(nodes=0 if indicator is None else count_lines(data(indicator)), inputs=max(inputs, 1),
                        graphs=None if labels is None else count_lines(data(labels)),
                        file_bytes=sum(_text_bytes(p) for p in paths if p is not None),
                        attributes=attributes is not None)


def _sampled_columns(nodes: int) -> int:
    """Columns ProfilingMatrix keeps (copies) of one read of ``nodes`` columns."""
    return -(-nodes // max(1, nodes // PROFILE_COLUMNS))


def _profiled_columns(nodes: int, reads: int) -> int:
    """Columns ProfilingMatrix.profile returns after ``reads`` reads of ``nodes`` columns each."""
    total = reads * _sampled_columns(nodes)
    return -(-total // max(1, total // PROFILE_COLUMNS))


def estimate_memory(config: Any, shape: DatasetShape) -> MemoryEstimate:
    """The peak memory of an ESGNN run of ``config`` on a dataset of ``shape`` (see the module doc)."""
    hw, wl = config.hardware, config.workload
    res = wl.reservoir
    units, nodes, node_task = res.units, shape.nodes, shape.graphs is None
    inputs = shape.inputs + 1  # the bias row of W_I
    pairs = 2 if hw.mapping.mode == "differential" else 1
    physical = [(inputs, pairs * units), (units, pairs * units)]  # W_I, W_H: (driven rows, columns)
    cells = sum(r * c for r, c in physical)
    planes = hw.input.bits if hw.input.mode == "bit_serial" else 1  # a DAC or ideal read is one pass
    steps = res.iterations if res.readout_steps == "all" else 1
    units_keys = ("workload.reservoir.units", "workload.dataset")
    terms = [
        MemoryTerm("interpreter and libraries", BASE_BYTES, ()),
        MemoryTerm("dataset", TEXT_BYTES * shape.file_bytes, ("workload.dataset",)),
        MemoryTerm("reservoir arrays", CELL_BYTES * cells,
                   ("workload.reservoir.units", "hardware.mapping.mode")),
        MemoryTerm("reading the arrays", nodes * units * (READ_BYTES + PLANE_BYTES * planes),
                   (*units_keys, "hardware.input.bits"), "reading"),
    ]
    if node_task and steps > 1:
        terms.append(MemoryTerm("states of every update", 8 * nodes * units * steps,
                                (*units_keys, "workload.reservoir.readout_steps"), "reading"))
    calibrated = hw.adc.range_mode == "calibrated"  # as the runner decides (esgnn.runner.calibrated_arrays)
    if wl.baseline or calibrated:
        per_split = wl.node_attributes == "standardize" and shape.attributes and not node_task
        groups = (10 if wl.protocol == "paper_folds" else wl.folds) if per_split else 1
        kept = 8 * groups * (inputs + res.iterations * units) * _sampled_columns(nodes)
        kept_keys = (*units_keys, "workload.reservoir.iterations", "workload.node_attributes")
        terms += [MemoryTerm("inputs kept by the profiling pass", kept, kept_keys, phase)
                  for phase in ("software pass", "ADC calibration")[:1 + calibrated]]
        terms.append(MemoryTerm("software reservoir", SOFTWARE_BYTES * nodes * units, units_keys,
                                "software pass"))
        if calibrated:
            channels = units * (2 if pairs == 2 and hw.mapping.pair_subtraction == "digital" else 1)
            columns = _profiled_columns(nodes, groups) + _profiled_columns(nodes, groups * res.iterations)
            currents = CALIBRATION_BYTES * planes * channels * columns
            terms.append(MemoryTerm("ADC calibration currents", currents, ("workload.reservoir.units",
                                    "hardware.input.bits", "hardware.adc.range_mode"), "ADC calibration"))
    if hw.array.ir_drop:
        tiles = [(min(r, hw.array.max_rows), min(c, hw.array.max_cols),
                  math.ceil(r / hw.array.max_rows) * math.ceil(c / hw.array.max_cols)) for r, c in physical]
        keys = ("hardware.array.max_rows", "hardware.array.max_cols", "hardware.array.ir_drop")
        factors = max(min(usable_cores(), n) * 4 * min(r, c) ** 2 * max(r, c) for r, c, n in tiles)
        terms += [MemoryTerm("IR-drop solutions", IR_CELL_BYTES * cells, keys),
                  MemoryTerm("IR-drop factorisation", factors, keys, "forming")]
        if hw.read_noise.mode == "per_cell" and hw.read_noise.enabled:
            terms.append(MemoryTerm("per-cell cell voltages", max(8 * nodes * r * c for r, c, _ in tiles),
                                    ("hardware.read_noise.mode", *keys[:2]), "reading"))
    features = units * steps * (1 if node_task else len(res.poolings)) + 1
    side = min(features, nodes if node_task else shape.graphs or features)  # esgnn.readout.gram_eigen
    basis = 8 * features * side if side < features else 0  # the row-space basis of a wide readout
    terms.append(MemoryTerm("readout", READOUT_COPIES * 8 * side**2 + basis,
                            ("workload.reservoir.units", "workload.reservoir.poolings"), "readout"))
    return MemoryEstimate(tuple(terms))


def memory_limit() -> tuple[float | None, str]:
    """The memory a run may use, in bytes (None: unknown), and where that figure comes from."""
    text = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if text:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(f"${MEMORY_LIMIT_ENV}", text, "must be a number of gigabytes > 0")
        return value * GB, f"${MEMORY_LIMIT_ENV}"
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): no limit is known
        return None, ""
    share = f"{DEFAULT_MEMORY_SHARE * 100:.0f} % of the {format_bytes(physical)} of physical memory"
    return DEFAULT_MEMORY_SHARE * physical, f"{share}; ${MEMORY_LIMIT_ENV} sets it"


def format_bytes(size: float) -> str:
    """``size`` bytes as ``751 MB``, ``1.6 GB`` or ``4,040 GB`` (decimal units)."""
    if size < GB:
        return f"{size / 1e6:.3g} MB"
    return f"{size / GB:.3g} GB" if size < 100 * GB else f"{size / GB:,.0f} GB"


def _dotted(config: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        config = getattr(config, part)
    return config


def check_memory(config: Any, shape: DatasetShape, path: str = "experiment", workers: int = 1) -> None:
    """Raise a one-line ConfigError naming the estimate, the limit and the keys driving the estimate when
    ``workers`` ESGNN runs of ``config`` at once (each in its own process) would need more memory than
    :func:`memory_limit`."""
    estimate = estimate_memory(config, shape)
    limit, source = memory_limit()
    if limit is None or workers * estimate.total_bytes <= limit:
        return
    top = estimate.largest()
    parts = "; ".join(f"{t.what} {format_bytes(t.bytes)} (driven by {', '.join(t.keys)})" for t in top)
    key = top[0].keys[0]
    needs = f"the run needs about {format_bytes(estimate.total_bytes)} of memory"
    if workers > 1:
        needs = (f"{needs}, {workers} workers at once about {format_bytes(workers * estimate.total_bytes)} "
                 "(fewer --workers use less)")
    raise ConfigError(f"{path}.{key}", _dotted(config, key),
                      f"{needs}, more than the limit of {format_bytes(limit)} ({source}): {parts}")


def check_esgnn(config: Any, path: str = "experiment", workers: int = 1) -> None:
    """Raise ConfigError / DatasetNotFound for what an ESGNN run of ``config`` would refuse, the memory
    checked for ``workers`` such runs at once."""
    try:
        load_technology(config.energy.technology)
    except (ParameterError, ConfigError, OSError) as exc:
        raise ConfigError(f"{path}.energy.technology", config.energy.technology,
                          f"is not a technology preset or a readable technology file ({exc})") from None
    workload = config.workload
    folder = dataset_folder(workload.dataset, config.data_root)
    if not folder.is_dir():
        raise DatasetNotFound(workload.dataset, folder)
    shape = dataset_shape(folder)
    if not is_planetoid(workload.dataset) and workload.protocol == "stratified_kfold":
        if shape.graphs is None:
            raise DatasetNotFound(workload.dataset, folder / f"{folder.name}_graph_labels.txt", "missing")
        if workload.folds > shape.graphs:
            where = data_root(config.data_root)
            raise ConfigError(f"{path}.workload.folds", workload.folds,
                              f"must be at most the {shape.graphs} graphs of {workload.dataset} (in {where})")
    check_memory(config, shape, path, workers)
