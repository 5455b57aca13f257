"""Validation rules, and the per-series fast path giving the same answers as the full check."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot.validate import Checker, Limits, Rules, check
from factoryos.model.readings import CountRow, MeasurementRow, StateChangeRow
from factoryos.model.validate import check_plant_text

RULES = Rules(
    limits={"temperature": Limits("degC", -20, 200), "speed": Limits(high=3000)}, equipment={"s/a/l/u", "s/a"}
)


def m(value, unit="degC", name="temperature", equipment="s/a/l/u") -> MeasurementRow:
    return MeasurementRow(0, "s", equipment, name, value, unit, "src", 1)


def test_rules():
    assert check(RULES, m(20.0)) is None
    assert "outside [-20, 200]" in check(RULES, m(250.0))
    assert "expected 'degC'" in check(RULES, m(20.0, unit="K"))
    assert "physical minimum" in check(RULES, m(-300.0, unit="degC", name="other"))
    assert "unknown unit" in check(RULES, m(1.0, unit="parsec"))
    assert "unknown equipment" in check(RULES, m(1.0, equipment="s/b"))
    assert "unknown state" in check(RULES, StateChangeRow(0, "s", "s/a", "asleep", None, "x", 1))
    assert "negative count" in check(RULES, CountRow(0, "s", "s/a", -1, 0, 0, None, "x", 1))
    assert check(Rules(), m(1e6, name="anything", equipment="any/where")) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.builds(
            m,
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(["degC", "K", "rpm", "parsec"]),
            st.sampled_from(["temperature", "speed", "other"]),
            st.sampled_from(["s/a/l/u", "s/a", "s/x"]),
        ),
        max_size=30,
    )
)
def test_checker_agrees_with_check(rows):
    checker = Checker(RULES, max_series=5)
    assert [checker(r) for r in rows] == [check(RULES, r) for r in rows]


MINI_PLANT = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"
PRESS_LIMITS = (
    "  press: {capabilities: [stamp], sensors: [tonnage], sensor_limits: {tonnage: {unit: kN, low: 0, high: 8000}}}\n"
)


def plant_with(press_class: str):
    text = MINI_PLANT.read_text().replace("  press: {capabilities: [stamp]}\n", press_class)
    return check_plant_text(text, "mini-plant.yaml")


def test_sensor_limits_from_the_plant_file_refuse_readings_outside_them():
    plant, issues = plant_with(PRESS_LIMITS)
    assert not issues
    check = Checker(Rules.for_plant(plant))
    press = "mini-site/shop/press-cell/press-1"

    def tonnage(value: float, unit: str = "kN", equipment: str = press, name: str = "tonnage"):
        return check(MeasurementRow(0, "mini-site", equipment, name, value, unit, "plc", 1))

    assert tonnage(0.0) is None
    assert tonnage(8000.0) is None
    assert "outside [0.0, 8000.0]" in tonnage(8000.5)
    assert "outside" in tonnage(-1.0)
    assert "not finite" in tonnage(float("nan"))
    assert "expected 'kN'" in tonnage(100.0, unit="N")
    assert tonnage(9000.0, name="force") is None  # another reading: no limits of its own
    assert tonnage(9000.0, equipment="mini-site/shop/body-cell/weld-1") is None  # a welder has no such limit
    assert "unknown equipment" in tonnage(1.0, equipment="mini-site/shop/nowhere")


@pytest.mark.parametrize(
    ("press_class", "expected"),
    [
        ("  press: {capabilities: [stamp], sensors: [t], sensor_limits: {tonnage: {high: 1}}}\n", "not among"),
        ("  press: {capabilities: [stamp], sensors: [t], sensor_limits: {t: {low: 2, high: 1}}}\n", "above high"),
        ("  press: {capabilities: [stamp], sensors: [t], sensor_limits: {t: {high: .nan}}}\n", "finite"),
    ],
)
def test_sensor_limits_are_validated(press_class, expected):
    plant, issues = plant_with(press_class)
    assert plant is None or issues
    assert any(expected in issue.message for issue in issues), issues
