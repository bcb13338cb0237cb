"""The one-of-each plumbing in crossbar_sim.common: unit table, named-value registry, seeds, atomic writer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crossbar_sim.common import atomic, registry
from crossbar_sim.common.atomic import atomic_output, commit_file
from crossbar_sim.common.seeding import derive_seed, stream
from crossbar_sim.common.units import PREFIXES, UNITS, si_key, to_si
from device_models.errors import ParameterError

REPO = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------ units


@pytest.mark.parametrize("unit", sorted(UNITS))
@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_the_unit_table_converts_every_prefixed_unit(prefix: str, unit: str) -> None:
    if (prefix, unit) == ("", "ops"):
        assert si_key("reservoir_ops") == ("reservoir_ops", 0)  # a bare _ops is a count
        return
    assert si_key(f"x_{prefix}{unit}") == (f"x_{UNITS[unit]}", PREFIXES[prefix])
    assert si_key(f"x_per_{prefix}{unit}") == (f"x_per_{UNITS[unit]}", -PREFIXES[prefix])


@pytest.mark.parametrize(("key", "expected"), [
    ("conductance_uS", ("conductance_S", -6)),
    ("read_voltage_mV", ("read_voltage_V", -3)),
    ("wordline_segment_kohm", ("wordline_segment_ohm", 3)),
    ("read_pulse_width_ns", ("read_pulse_width_s", -9)),
    ("adc_walden_fom_fJ_per_step", ("adc_walden_fom_J_per_step", -15)),  # a count after the unit
    ("transfer_energy_per_byte_pJ", ("transfer_energy_per_byte_J", -12)),
    ("transfer_bandwidth_GBps", ("transfer_bandwidth_B_per_s", 9)),
    ("digital_throughput_Gops", ("digital_throughput_ops_per_s", 9)),
    ("recurrent_scale_per_uS", ("recurrent_scale_per_S", 6)),  # a prefixed denominator divides
    ("slew_mV_per_us", ("slew_V_per_s", 3)),
    ("columns_per_adc", ("columns_per_adc", 0)),
    ("max_rows", ("max_rows", 0)),
    ("uS", ("uS", 0)),
])
def test_unit_suffixes_of_both_yaml_kinds(key: str, expected: tuple[str, int]) -> None:
    assert si_key(key) == expected


def test_to_si_is_exact_for_decimal_engineering_values() -> None:
    assert to_si(100.0, -6) == 1e-4 and to_si(0.36, -12) == 0.36e-12 and to_si(10.0, 9) == 1e10


# ------------------------------------------------------------------ registry


def test_lookup_names_the_known_values_and_the_closest_one() -> None:
    kind = "test-kind-lookup"
    registry.register(kind, "alpha", 1)
    registry.register(kind, "beta", 2)
    assert registry.lookup(kind, "beta", "thing") == 2 and registry.names(kind) == ["alpha", "beta"]
    with pytest.raises(ParameterError) as info:
        registry.lookup(kind, "alpah", "thing")
    assert str(info.value) == "thing = 'alpah': must be one of alpha, beta (did you mean 'alpha'?)"
    assert (info.value.name, info.value.value) == ("thing", "alpah")
    with pytest.raises(ParameterError, match=r"^thing = 3: must be one of alpha, beta, or a number$"):
        registry.lookup(kind, 3, "thing", or_else="a number")
    with pytest.raises(ParameterError, match="^preset = 'x': no preset is registered for int$"):
        registry.lookup(int, "x", "preset")


def test_a_loader_runs_once_on_first_lookup_and_a_value_replaces_it() -> None:
    kind, calls = "test-kind-loader", []
    registry.register_loader(kind, "lazy", lambda: calls.append(1) or "made")
    assert calls == [] and registry.names(kind) == ["lazy"]
    assert registry.lookup(kind, "lazy", "x") == "made" and registry.lookup(kind, "lazy", "x") == "made"
    assert calls == [1]
    registry.register_loader(kind, "lazy", lambda: "again")
    assert registry.lookup(kind, "lazy", "x") == "again"
    registry.register(kind, "lazy", "plain")
    assert registry.lookup(kind, "lazy", "x") == "plain"


# ------------------------------------------------------------------ seeds


def test_named_streams_are_pinned() -> None:
    """The experiment streams are those of before the sweep seeds moved onto them (values pinned)."""
    assert stream(0, "splits").integers(0, 2**31, 3).tolist() == [2066887682, 1234392314, 497575345]
    assert derive_seed(7, '{"overrides":{},"repeat":0}') == 1703413471393434784


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.lists(st.text(max_size=5), min_size=1, max_size=4, unique=True))
def test_derived_seeds_depend_on_the_name_only(seed: int, names: list[str]) -> None:
    forward = {n: derive_seed(seed, n) for n in names}
    backward = {n: derive_seed(seed, n) for n in reversed(names)}
    assert forward == backward and len(set(forward.values())) == len(names)
    assert all(0 <= s < 2**63 for s in forward.values())


# ------------------------------------------------------------------ atomic writer


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_writes_appear_complete_with_the_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.txt"
    with atomic_output(target) as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".out.") and tmp.suffix == ".txt"
        tmp.write_text("one")
        assert not target.exists()
    assert target.read_text() == "one" and _entries(target.parent) == ["out.txt"]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    with atomic_output(target) as tmp:
        tmp.write_text("two")
    assert target.read_text() == "two"


@pytest.mark.parametrize("error", [OSError, KeyboardInterrupt])
def test_a_failed_write_leaves_no_temporary_file_and_the_old_target(tmp_path: Path, error: type) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(error), atomic_output(target) as tmp:
        tmp.write_text("half")
        raise error("disk full")
    assert target.read_text() == "old" and _entries(tmp_path) == ["out.csv"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    with pytest.raises(PermissionError), atomic_output(tmp_path / "out.json") as tmp:
        tmp.write_text("{}")
    assert _entries(tmp_path) == []


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name file descriptors")
def test_the_file_is_flushed_before_the_rename_and_the_folder_after(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(("replace", str(src)))
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(atomic.os, "replace", replace)
    with atomic_output(tmp_path / "out.txt") as tmp:
        tmp.write_text("data")
    assert events == [("fsync", str(tmp)), ("replace", str(tmp)), ("fsync", str(tmp_path))]
    events.clear()
    staged = tmp_path / "staged"
    staged.write_text("x")
    commit_file(staged, tmp_path / "final")
    assert events == [("fsync", str(staged)), ("replace", str(staged)), ("fsync", str(tmp_path))]


def test_figures_use_the_object_api_and_the_one_writer(tmp_path: Path) -> None:
    """No pyplot and no backend switch on import or when plotting; PNGs go through atomic_output."""
    script = f"""
import sys
import matplotlib
backend = matplotlib.get_backend()
import numpy as np
import crossbar_sim.plots.array, crossbar_sim.plots.device
import crossbar_sim.plots.energy, crossbar_sim.plots.sweep
from crossbar_sim.common import atomic
from crossbar_sim.plots import figures
from crossbar_sim.plots.device import plot_conductance_histogram
used = []
real = atomic.atomic_output
def spy(path):
    used.append(str(path))
    return real(path)
figures.atomic_output = spy
out = plot_conductance_histogram(np.linspace(0, 2e-5, 100), {str(tmp_path / "h.png")!r})
assert used == [str(out)], used
assert "matplotlib.pyplot" not in sys.modules
assert matplotlib.get_backend() == backend
from matplotlib.image import imread
assert imread(out).shape[:2] == (3.6 * figures.DPI, 5.0 * figures.DPI)
"""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "svg"}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
    assert _entries(tmp_path) == ["h.png"]
