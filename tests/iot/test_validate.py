"""Validation rules, and the per-series fast path giving the same answers as the full check."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot.validate import Checker, Clock, Limits, Rules, check
from factoryos.model.errors import FactoryosError
from factoryos.model.readings import TS_MAX_US, VALUE_MAX, CountRow, MeasurementRow, StateChangeRow
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


def test_a_count_past_its_column_is_refused_naming_the_count_and_its_units():
    assert check(Rules(), CountRow(0, "s", "s/a", 1, 2**40, 0, None, "x", 1)) == (
        "s/a: scrap 1099511627776 is more units than one count may hold (2147483647)"
    )
    assert "good a number of 1329 bits is more" in check(Rules(), CountRow(0, "s", "s/a", 10**400, 0, 0, None, "x", 1))


def test_a_measurement_whose_sums_could_overflow_is_refused_saying_so():
    """Two of 1.7e308 in one minute overflowed the rollup's sum; the bound leaves room for 2^63 of them."""
    assert sys.float_info.max > VALUE_MAX * 2**63
    assert "beyond ±1e+289" in check(Rules(), m(1.7e308, unit="1", name="vibration"))
    assert "beyond ±1e+289" in check(Rules(), m(-1.7e308, unit="1", name="vibration"))
    assert check(Rules(), m(VALUE_MAX, unit="1", name="vibration")) is None


DAY_US = 86_400_000_000
NOW_US = 1_796_000_000_000_000  # 2026-11-30T00:53:20 UTC


def test_a_reading_stamped_far_from_its_arrival_is_refused_with_both_times():
    """A clock reset to 1970 or set a year ahead files readings where no window looks; a backlog a day old is
    an edge node's store-and-forward and is kept."""
    rules = Rules(clock=Clock(ahead_s=600, behind_s=30 * 86_400))

    def at(ts_us: int) -> str | None:
        return check(rules, m(20.0)._replace(ts_us=ts_us), NOW_US)

    assert at(NOW_US) is None
    assert at(NOW_US - DAY_US) is None
    assert at(NOW_US + 599_000_000) is None
    assert "stamped 1970-01-01T00:00:00+00:00, more than 30 days before it arrived (2026-11-30T00:53:20" in at(0)
    assert "more than 600 s after it arrived" in at(NOW_US + 365 * DAY_US)
    assert "more than 600 s after it arrived" in at(NOW_US + 601_000_000)
    assert "more than 30 days before" in check(rules, StateChangeRow(0, "s", "s/a", "running", None, "x", 1), NOW_US)
    assert check(rules, m(20.0)._replace(ts_us=0)) is None  # arrival unknown: as stored
    assert check(Rules(), m(20.0)._replace(ts_us=TS_MAX_US - 1), NOW_US) is None  # no clock: a replay


def test_an_unbounded_clock_is_no_bound_and_a_nan_one_is_refused():
    """`--backlog-days inf` replays anything the database holds; it used to kill the decoding thread."""
    assert Clock(ahead_s=math.inf, behind_s=math.inf).window(NOW_US) == (0, TS_MAX_US)
    assert Clock(behind_s=1e308).window(NOW_US)[0] == 0
    assert check(Rules(clock=Clock(behind_s=math.inf)), m(20.0)._replace(ts_us=1), NOW_US) is None
    with pytest.raises(FactoryosError, match="behind_s nan"):
        Clock(behind_s=math.nan)
    with pytest.raises(FactoryosError, match="ahead_s -1"):
        Clock(ahead_s=-1)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.builds(
            m,
            st.floats(allow_nan=True, allow_infinity=True),
            st.sampled_from(["degC", "K", "rpm", "parsec"]),
            st.sampled_from(["temperature", "speed", "other"]),
            st.sampled_from(["s/a/l/u", "s/a", "s/x"]),
        ).flatmap(lambda row: st.integers(-DAY_US, TS_MAX_US).map(lambda ts: row._replace(ts_us=ts))),
        max_size=30,
    ),
    st.sampled_from([None, Clock(), Clock(ahead_s=0, behind_s=0)]),
)
def test_checker_agrees_with_check(rows, clock):
    rules = Rules(limits=RULES.limits, equipment=RULES.equipment, clock=clock)
    checker = Checker(rules, max_series=5)
    checker.arrived(NOW_US)
    assert [checker(r) for r in rows] == [check(rules, r, NOW_US) for r in rows]


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
