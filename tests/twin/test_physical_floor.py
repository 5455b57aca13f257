"""A failed unit's value is out of specification and physically possible: a characteristic of a quantity that is
never negative (a lower limit above zero, or an upper limit alone) is never drawn below zero, a temperature
never below absolute zero, and a signed one (an offset, lower limit at or below zero) fails on either side as
far as before. Hypothesis draws the limits; the verdict is the instrument's, after its rounding to six
significant figures (so a spread of less than a ten-thousandth of the limits' size, which it cannot resolve, is
not drawn)."""

from __future__ import annotations

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from factoryos.model.plant import Characteristic
from factoryos.twin.equipment import _measure, _out_of_spec, _reported

SIZES = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False, allow_infinity=False)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


@st.composite
def positive(draw: st.DrawFn) -> Characteristic:
    """A quantity specified above zero: LSL > 0, the nominal above it, an upper limit or not."""
    lsl = draw(SIZES)
    nominal = lsl + draw(SIZES)
    usl = draw(st.one_of(st.none(), SIZES.map(lambda gap: nominal + gap)))
    return resolved(Characteristic(name="insulation_resistance", unit="MOhm", nominal=nominal, lsl=lsl, usl=usl))


@st.composite
def signed(draw: st.DrawFn) -> Characteristic:
    """An offset: LSL at or below zero."""
    lsl = -draw(st.one_of(st.just(0.0), SIZES))
    nominal = lsl + draw(SIZES)
    return resolved(
        Characteristic(name="head_tube_offset", unit="mm", nominal=nominal, lsl=lsl, usl=nominal + draw(SIZES))
    )


def resolved(characteristic: Characteristic) -> Characteristic:
    """The characteristic, if the instrument resolves its spread (see the module docstring)."""
    size = max(abs(x) for x in (characteristic.nominal, characteristic.lsl, characteristic.usl) if x is not None)
    assume(characteristic.sigma >= 1e-4 * size)
    return characteristic


@settings(max_examples=300, deadline=None)
@given(positive(), SEEDS)
def test_a_positive_quantity_fails_out_of_spec_and_never_below_zero(characteristic: Characteristic, seed: int):
    assert characteristic.floor == 0.0
    rng = random.Random(seed)
    for _ in range(20):
        value = _out_of_spec(characteristic, rng)
        assert value >= 0.0
        assert _reported(characteristic, value)["result"] == "fail"
        assert _measure(characteristic, -40.0, rng) >= 0.0  # a drift far down folds at zero


@settings(max_examples=300, deadline=None)
@given(signed(), SEEDS)
def test_a_signed_quantity_fails_on_either_side_as_far_as_before(characteristic: Characteristic, seed: int):
    assert characteristic.floor is None
    rng = random.Random(seed)
    for _ in range(20):
        value = _out_of_spec(characteristic, rng)
        assert _reported(characteristic, value)["result"] == "fail"
        beyond = (characteristic.lsl - value) if value < characteristic.nominal else (value - characteristic.usl)
        assert 0.2 * characteristic.sigma <= beyond * (1 + 1e-9) <= 1.2 * characteristic.sigma * (1 + 1e-9)


def test_a_temperature_stops_at_absolute_zero_and_the_walks_insulation_fails_between_zero_and_its_limit():
    oven = Characteristic(name="cure", unit="degC", nominal=-250.0, lsl=-260.0, usl=-200.0)
    assert oven.floor == -273.15
    insulation = Characteristic(name="insulation_resistance", unit="MOhm", nominal=50, lsl=5)
    rng = random.Random(1)
    lows = [_out_of_spec(insulation, rng) for _ in range(500)]
    assert all(0.0 <= value <= 5 - 0.2 * 5 for value in lows)
    assert all(_out_of_spec(oven, rng) >= -273.15 for _ in range(500))
