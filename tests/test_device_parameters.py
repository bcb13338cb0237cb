"""Invalid parameters raise ParameterError naming the parameter, the value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from device_models import BreakdownVoltageModel as Breakdown
from device_models import DriftModel as Drift
from device_models import FormedConductanceModel as Formed
from device_models import ParameterError, calibrate_from_measurements
from device_models import PristineConductanceModel as Pristine
from device_models import ReadNoiseModel as ReadNoise
from device_models import RRAMDeviceModel as Device
from device_models import StuckCellModel as Stuck
from device_models.calibration import fit_breakdown
from device_models.errors import check_array

CASES: list[tuple[Callable[[], object], str, str, str]] = [
    # (constructor, parameter named, value shown, allowed text)
    (lambda: Breakdown(std_V=-0.1), "BreakdownVoltageModel.std_V", "-0.1", "> 0"),
    (lambda: Breakdown(mean_V=math.nan), "BreakdownVoltageModel.mean_V", "nan", "finite"),
    (lambda: Breakdown(distribution="weibul"), "BreakdownVoltageModel.distribution", "'weibul'",
     "'weibull', 'normal', 'skew_normal', 'gumbel_min', 'empirical' (did you mean 'weibull'?)"),
    (lambda: Breakdown(weibull_shape=0.0), "BreakdownVoltageModel.weibull_shape", "0.0", "> 0"),
    (lambda: Breakdown(weibull_threshold_V=-0.1), "BreakdownVoltageModel.weibull_threshold_V", "-0.1",
     ">= 0"),
    (lambda: Breakdown(weibull_exponent=math.inf), "BreakdownVoltageModel.weibull_exponent", "inf", "finite"),
    (lambda: Breakdown(skew_shape=math.nan), "BreakdownVoltageModel.skew_shape", "nan", "finite"),
    (lambda: Breakdown(gumbel_scale_V=-0.1), "BreakdownVoltageModel.gumbel_scale_V", "-0.1", "> 0"),
    (lambda: Breakdown(distribution="empirical", samples_V=(3.4, 3.5), sweep_step_V=0.0),
     "BreakdownVoltageModel.sweep_step_V", "0.0", "> 0"),
    (lambda: Breakdown(distribution="empirical", samples_V=(3.4, 3.43)), "BreakdownVoltageModel.samples_V",
     "<sample 3.43 off the sweep>", "must lie on a sweep of 0.02 V steps (from 3.4 V)"),
    (lambda: Breakdown().voltage_for_unformed_fraction(1.0), "fraction", "1.0",
     "must lie in (0, 1) for a weibull breakdown distribution"),
    (lambda: Breakdown(distribution="empirical", samples_V=(3.4,)), "BreakdownVoltageModel.samples_V",
     "<1 samples>", "at least 2 samples"),
    (lambda: Breakdown(distribution="empirical"), "BreakdownVoltageModel.samples_V", "<0 samples>",
     "at least 2 samples"),
    (lambda: Breakdown(distribution="empirical", samples_V=(3.4, 3.4)),
     "BreakdownVoltageModel.samples_V", "<1 distinct values>", "at least 2 distinct"),
    (lambda: Breakdown(distribution="empirical", samples_V=(3.4, math.inf)),
     "BreakdownVoltageModel.samples_V", "NaN or inf", "finite"),
    (lambda: Formed(distribution="empirical", samples_S="many"), "FormedConductanceModel.samples_S", "'many'",
     "sequence of real numbers"),
    (lambda: Formed(std_S=-1e-6), "FormedConductanceModel.std_S", "-1e-06", ">= 0"),
    (lambda: Formed(mean_S=0.0), "FormedConductanceModel.mean_S", "0.0", "> 0"),
    (lambda: Formed(distribution="gamma"), "FormedConductanceModel.distribution", "'gamma'",
     "'normal', 'lognormal', 'empirical'"),
    (lambda: Formed(distribution="empirical", samples_S=(1e-5, -1e-6)),
     "FormedConductanceModel.samples_S", "min -1e-06", "> 0"),
    (lambda: Pristine(conductance_S=math.inf), "PristineConductanceModel.conductance_S", "inf",
     "finite"),
    (lambda: Pristine(relative_sigma=-0.1), "PristineConductanceModel.relative_sigma", "-0.1",
     ">= 0"),
    (lambda: ReadNoise(relative_sigma=-0.02), "ReadNoiseModel.relative_sigma", "-0.02", ">= 0"),
    (lambda: ReadNoise(additive_sigma_S=math.nan), "ReadNoiseModel.additive_sigma_S", "nan", "finite"),
    (lambda: Drift(exponent_std=-1.0), "DriftModel.exponent_std", "-1.0", ">= 0"),
    (lambda: Drift(reference_time_s=0.0), "DriftModel.reference_time_s", "0.0", "> 0"),
    (lambda: Drift(exponent_mean=math.inf), "DriftModel.exponent_mean", "inf", "finite"),
    (lambda: Stuck(stuck_unformed_fraction=1.5), "StuckCellModel.stuck_unformed_fraction", "1.5",
     "[0, 1]"),
    (lambda: Stuck(stuck_high_fraction=-0.1), "StuckCellModel.stuck_high_fraction", "-0.1", "[0, 1]"),
    (lambda: Stuck(stuck_unformed_fraction=0.6, stuck_high_fraction=0.6),
     "stuck_unformed_fraction + stuck_high_fraction", "1.2", "<= 1"),
    (lambda: Device(programming_voltage_V=-3.0), "RRAMDeviceModel.programming_voltage_V", "-3.0", "> 0"),
    (lambda: Device(drift=0.1), "RRAMDeviceModel.drift", "0.1", "DriftModel"),
    (lambda: Device().with_unformed_fraction(1.2), "fraction", "1.2", "[0, 1]"),
    (lambda: Device().with_unformed_fraction(0.0), "fraction", "0.0", "(0, 1)"),
    (lambda: Device().breakdown.unformed_fraction(math.nan), "voltage_V", "nan", "finite"),
    (lambda: Device().form((4, 4), np.random.default_rng(0), programming_voltage_V=math.inf),
     "programming_voltage_V", "inf", "finite"),
    (lambda: Device().form((0, 4), np.random.default_rng(0)), "shape[0]", "0", ">= 1"),
    (lambda: Device().form((4,), np.random.default_rng(0)), "shape", "(4,)", "(rows, cols)"),
    (lambda: calibrate_from_measurements([3.4], [np.ones((2, 2))]), "breakdown_voltages_V", "<1 samples>",
     "at least 2"),
    (lambda: calibrate_from_measurements([3.4, 3.5], [np.ones((2, 2))], formed_distribution="beta"),
     "formed_distribution", "'beta'", "'lognormal'"),
    (lambda: calibrate_from_measurements([3.4, 3.5], []), "conductance_maps_S", "[]", "at least one map"),
    (lambda: calibrate_from_measurements([3.4, 3.5], [np.ones((2, 2))], breakdown_distribution="lognormal"),
     "breakdown_distribution", "'lognormal'", "'auto', 'weibull', 'weibull_threshold'"),
    (lambda: fit_breakdown([3.4, 3.45, 3.5], "normal"), "breakdown_voltages_V", "<sample 3.45 off the sweep>",
     "0.02 V steps"),
    (lambda: fit_breakdown([3.4, 3.5], "normal", sweep_step_V=-0.02), "sweep_step_V", "-0.02", "> 0"),
]


@pytest.mark.parametrize(("make", "name", "value", "allowed"), CASES)
def test_bad_parameter_raises_parameter_error(make: Callable[[], object], name: str, value: str,
                                              allowed: str) -> None:
    with pytest.raises(ParameterError) as info:
        make()
    message = str(info.value)
    assert message.startswith(name) or f"{name} = " in message
    assert value in message
    assert allowed in message


def test_yaml_style_lists_become_tuples() -> None:
    model = Breakdown(distribution="empirical", samples_V=[3.3, 3.4, 3.5])  # type: ignore[arg-type]
    assert model.samples_V == (3.3, 3.4, 3.5)
    assert hash(model) == hash(Breakdown(distribution="empirical", samples_V=(3.3, 3.4, 3.5)))


@pytest.mark.parametrize(("value", "rules", "message"), [
    (np.ones(3), {"ndim": 2, "nonempty": True}, "g = '<array of shape (3,)>': must be a non-empty 2-D array"),
    (np.ones((0, 3)), {"ndim": 2, "nonempty": True}, "must be a non-empty 2-D array"),
    (np.ones((2, 2)), {"shape": (None, 3), "axes": ("batch", "R")},
     "g = '<array of shape (2, 2)>': must be a 2-D array (batch, R) with R = 3"),
    (np.ones((0, 4)), {"ndim": 2, "axes": ("in", "batch"), "nonempty": (0,)},
     "must be a 2-D array (in, batch) with in >= 1"),
    (np.ones((2, 3)), {"shape": (2, 2)}, "must be a 2-D array of shape (2, 2)"),
    (np.array([[1.0, np.nan, np.inf]]), {},
     "g = '<array of shape (1, 3) with 2 non-finite (NaN or inf) entries, first at (0, 1)>': "
     "every entry must be finite"),
    (np.array([[1.0, -2e-9]]), {"nonnegative": True},
     "g = '<array of shape (1, 2) with 1 negative (min -2e-09) entry, first at (0, 1)>': "
     "every entry must be finite and >= 0"),
    ("many", {}, "g = 'many': must be an array or sequence of real numbers"),
    ([str(i) for i in range(100)] + ["x"], {}, "g = \"<list ['0', '1', "),
])
def test_check_array_names_the_argument_the_bad_value_and_the_rule(value: object, rules: dict,
                                                                   message: str) -> None:
    with pytest.raises(ParameterError) as info:
        check_array("g", value, **rules)
    text = str(info.value)
    assert (text.startswith(message) or text.endswith(message)) and len(text) < 200


def test_check_array_returns_the_converted_array() -> None:
    out = check_array("g", [[1, 2]], shape=(1, None), nonnegative=True)
    assert out.dtype == np.float64 and out.shape == (1, 2)
    assert check_array("v", np.zeros((0, 3)), shape=(None, 3)).shape == (0, 3)  # an empty batch is allowed
    assert np.isnan(check_array("g", [np.nan], finite=False)).all()


def test_complex_values_are_refused_not_made_real() -> None:
    with pytest.raises(ParameterError, match="must be an array or sequence of real numbers"):
        check_array("weights", np.ones((2, 2)) * (1 + 1j))
    assert check_array("weights", np.ones((2, 2), dtype=np.float32)).dtype == np.float64
