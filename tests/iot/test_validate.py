"""Validation rules, and the per-series fast path giving the same answers as the full check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.iot.validate import Checker, Limits, Rules, check
from factoryos.model.readings import CountRow, MeasurementRow, StateChangeRow

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
