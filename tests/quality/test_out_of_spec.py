"""A value out of specification on the live charts: charted like any other, and an alarm of its own at once,
suspect since the last value in specification, so that a hold from there takes in the units made in between
that a sampling plan never measured."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.quality.watch import OUT_OF_SPECIFICATION, Watch
from factoryos.services.holds import held_scope, place_hold
from factoryos.services.spc_watch import SpcWatch
from factoryos.store.timeseries import TelemetryStore
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import small_plant

T0 = datetime(2027, 3, 1, tzinfo=UTC)
USL = 12.0


def _minute(k: int) -> datetime:
    return T0 + timedelta(minutes=k)


def _drifting_up(rng: np.random.Generator, steady: int, drifting: int) -> np.ndarray:
    """Nominal 10, sigma 0.5 (the upper limit 4 sigma away), then a drift of 0.05 sigma a value."""
    noise = rng.normal(0.0, 0.5, steady + drifting)
    return 10.0 + noise + np.r_[np.zeros(steady), 0.025 * np.arange(1, drifting + 1)]


def _oos(signals) -> list:
    return [s for s in signals if OUT_OF_SPECIFICATION in {a.rule for a in s.alarms}]


def test_a_series_crossing_the_upper_limit_alarms_at_its_first_value_beyond_it_suspect_since_the_last_within() -> None:
    """Whatever the chart makes of the drift, the first value beyond the limit alarms when it is taken, and the
    alarm's window opens at the value in specification just before it."""
    values = _drifting_up(np.random.default_rng(4), 150, 300)
    watch = Watch(subgroup=5, baseline=20)
    signals = [watch.add(float(v), _minute(k), bool(v <= USL)) for k, v in enumerate(values)]
    first = int(np.argmax(values > USL))
    last_good = int(np.flatnonzero(values[:first] <= USL)[-1])
    (oos, *_) = _oos(s for s in signals if s is not None)
    assert oos.at == _minute(first)
    assert signals[first] is oos
    assert oos.since == _minute(last_good)
    assert not _oos(s for s in signals[:first] if s is not None)


def test_a_value_out_of_specification_alarms_while_the_chart_still_learns_its_limits() -> None:
    """The reaction to a value out of specification needs no control limits."""
    watch = Watch(subgroup=5, baseline=20)
    for k in range(7):
        watch.add(10.0 + 0.1 * (k % 3), _minute(k))
    signal = watch.add(13.0, _minute(7), conforming=False)
    assert watch.params is None
    assert signal is not None
    assert signal.since == _minute(6)
    assert [a.rule for a in signal.alarms] == [OUT_OF_SPECIFICATION]


@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=1, max_size=300),
    st.integers(2, 6),
    st.integers(2, 6),
)
def test_values_all_in_specification_never_raise_an_out_of_specification_alarm(values, subgroup, baseline) -> None:
    watch = Watch(subgroup=subgroup, baseline=baseline)
    signals = [watch.add(v, _minute(k)) for k, v in enumerate(values)]
    assert not _oos(s for s in signals if s is not None)


def _test_event(k: int, value: float) -> Event:
    result = "pass" if value <= USL else "fail"
    measured = {"name": "gap", "unit": "mm", "value": value, "nominal": 10.0, "high": USL, "result": result}
    payload = {"serial": f"S{k}", "test": "check", "result": result, "measurements": [measured]}
    return Event(ts=_minute(k), site="s", equipment="s/a/c/u", kind=EventKind.TEST, payload=payload, source="t", seq=k)


def test_every_first_test_is_charted_in_specification_or_not() -> None:
    """The chart's subgroup means are those of consecutive first-test values after the baseline, counting
    the values that failed; and each of these alarms, on its characteristic and equipment."""
    values = _drifting_up(np.random.default_rng(5), 150, 300)
    bus = EventBus()
    watch = SpcWatch(bus, subgroup=5, baseline=20).start()
    for k, value in enumerate(values):
        bus.publish(_test_event(k, float(value)))
    ((key, chart),) = watch.watches.items()
    assert key[0] == "s/a/c/u"
    full = values.size // 5 * 5
    expected = values[:full].reshape(-1, 5).mean(axis=1)[20:]  # the baseline is not charted
    assert np.allclose(chart.means, expected)
    oos = [a for a in watch.alarms if OUT_OF_SPECIFICATION in a.rules]
    assert [a.signal.at for a in oos] == [_minute(int(k)) for k in np.flatnonzero(values > USL)]
    codes = {e.payload["code"] for e in bus.store.read(EventKind.ALARM) if e.payload["rules"][0] == "oos"}
    assert codes == {"spc-oos"}


def test_a_hold_from_the_alarm_takes_in_the_units_the_sampling_plan_left_unmeasured(sqlite_url) -> None:
    """chk-1 measures every 4th unit's gap and drifts until one is out of specification: the hold placed from
    the alarm's `since` to the alarm holds the unit last measured in specification, the 3 units after it that
    were not measured, and the unit out of specification."""
    from factoryos.store.db import make_engine

    every = 4
    gap = {"name": "gap", "unit": "mm", "nominal": 1, "lsl": 0, "usl": 2, "sampling": {"every": every}}
    check = {"repair_minutes": 2, "tests": [{"name": "final-check", "characteristics": [gap]}]}
    drifting = {"equipment_class": "checker", "drift": {"after_hours": 30, "sigmas_per_hour": 0.5}}
    plant = small_plant(
        quality={"check": check}, **{"areas__back__work_centers__check-cell__work_units__chk-1": drifting}
    )
    engine = make_engine(sqlite_url)
    bus = EventBus(TelemetryStore(engine))
    watch = SpcWatch(bus).start()
    prepared = prepare(plant, "smart", 3, 1, bus=bus)
    prepared.floor.run(prepared.horizon)
    chk1 = plant.equipment_path("chk-1")
    alarm = next(a for a in watch.alarms if a.equipment == chk1 and OUT_OF_SPECIFICATION in a.rules)
    signal = alarm.signal
    tested = [e for e in bus.store.read(EventKind.TEST, chk1) if signal.since <= e.ts <= signal.at]
    measured = [e for e in tested if e.payload["measurements"]]
    assert [e.ts for e in measured] == [signal.since, signal.at]
    assert [e.payload["result"] for e in measured] == ["pass", "fail"]
    hold = place_hold(
        engine, "equipment", chk1, "gap out of specification", "test", signal.at, start=signal.since, end=signal.at
    )
    held = set(held_scope(engine, hold)["units"])
    assert held == {e.payload["serial"] for e in tested}
    assert len(held) == every + 1
