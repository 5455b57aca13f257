"""The live X-bar chart: its false-alarm rate against theory, a shift caught within a few subgroups and
latched to one alarm, and the stream service that raises alarm events, before a drifting station makes
scrap."""

from __future__ import annotations

import copy
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.model.plant import Plant
from factoryos.quality import spc
from factoryos.quality.watch import OUT_OF_SPECIFICATION, Basis, Watch
from factoryos.services.spc_watch import SpcWatch, StreamReadings
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import BASE, small_plant

T0 = datetime(2027, 3, 1, tzinfo=UTC)
FIRST_PASS_YIELD = 0.97


def _feed(watch: Watch, values, limit: float = math.inf) -> list:
    """The signals of values a minute apart, those within `limit` of 0 in specification."""
    return [
        s
        for k, v in enumerate(values)
        if (s := watch.add(float(v), T0 + timedelta(minutes=k), abs(v) <= limit)) is not None
    ]


def test_false_alarms_of_the_three_sigma_rule_are_its_theoretical_rate() -> None:
    """Beyond 3 sigma: a chance of 0.0027 a subgroup under control, so about 54 alarms in 20,000."""
    rng = np.random.default_rng(11)
    subgroups = 20_000
    watch = Watch(("we1",), subgroup=5, baseline=400, rearm=1)
    signals = _feed(watch, rng.normal(50.0, 2.0, 5 * (400 + subgroups)))
    expected = subgroups * 2 * (1 - 0.5 * (1 + math.erf(3 / math.sqrt(2))))
    assert abs(len(signals) - expected) < 4 * math.sqrt(expected)


def test_a_shift_is_caught_within_a_few_subgroups_and_does_not_alarm_at_every_point() -> None:
    rng = np.random.default_rng(12)
    values = np.r_[rng.normal(0.0, 1.0, 5 * 120), rng.normal(1.0, 1.0, 5 * 200)]  # a sigma up from subgroup 120
    watch = Watch(subgroup=5, baseline=20, rearm=3)
    signals = _feed(watch, values)
    shifted = [s for s in signals if s.at >= T0 + timedelta(minutes=5 * 120)]
    assert 1 <= len(shifted) <= 10  # alarms in episodes, not one a point: 200 subgroups beyond 1 sigma
    signal = shifted[0]
    assert signal.subgroup - 100 < 8  # 20 baseline subgroups are not charted
    assert signal.since <= signal.at
    assert {a.rule for a in signal.alarms} <= {"we1", "we2", "we3", "we4"}


subgroups = arrays(
    np.float64,
    st.tuples(st.integers(2, 40), st.integers(2, 10)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@given(data=subgroups, first=st.integers(1, 40))
def test_limits_revised_one_subgroup_at_a_time_are_those_fitted_to_all_their_subgroups(data, first) -> None:
    """The live chart's limits, revised with each in-control subgroup from its mean and range alone, are to the
    last bit those `xbar_r` fits to every subgroup they rest on."""
    basis = Basis(data.shape[1])
    basis.add(data[:first])
    for k in range(min(first, len(data)), len(data) + 1):
        if k > first:
            basis.add(data[k - 1 : k])
        if k >= 2 and np.ptp(data[:k], axis=1).mean() > 0:  # a mean of subnormal ranges may be 0
            assert basis.params == spc.xbar_r(data[:k]).params


def test_bad_settings_are_refused() -> None:
    with pytest.raises(FactoryosError, match="subgroups of 2 or more"):
        Watch(subgroup=1)
    with pytest.raises(FactoryosError, match="unknown rule set"):
        SpcWatch(EventBus(), rules="iso")


def test_alarm_events_name_the_rule_the_characteristic_and_the_equipment() -> None:
    bus = EventBus()
    watch = SpcWatch(bus, subgroup=4, baseline=10).start()
    rng = np.random.default_rng(3)
    for k, value in enumerate(np.r_[rng.normal(6.0, 0.2, 60), np.full(12, 7.5)]):
        payload = {
            "serial": f"S{k}",
            "test": "weld-ultrasonic",
            "result": "pass",
            "measurements": [{"name": "nugget_diameter", "value": float(value), "unit": "mm", "low": 4.8, "high": 7.2}],
        }
        bus.publish(
            Event(
                ts=T0 + timedelta(minutes=k),
                site="s",
                equipment="s/body/cell/r1",
                kind=EventKind.TEST,
                payload=payload,
                source="t",
                seq=k,
            )
        )
    alarms = list(bus.store.read(EventKind.ALARM))
    assert 1 <= len(alarms) <= 4  # an episode: each rule once
    assert len({rule for a in alarms for rule in a.payload["rules"]}) == sum(len(a.payload["rules"]) for a in alarms)
    alarm = alarms[0]
    assert alarm.equipment == "s/body/cell/r1"
    assert alarm.payload["code"].startswith("spc-we")
    assert alarm.payload["characteristic"] == "nugget_diameter"
    assert "nugget_diameter (weld-ultrasonic)" in alarm.payload["message"]
    assert alarm.ts >= T0 + timedelta(minutes=60)
    watch.stop()


def test_a_drifting_station_is_caught_before_it_makes_a_unit_out_of_specification() -> None:
    """chk-1 drifts a quarter sigma an hour from hour 56 (mid-shift, after the live chart's baseline): the chart alarms
    on it within hours and before the drift makes a unit out of specification; its twin chk-2 hardly alarms."""
    gap = {"name": "gap", "unit": "mm", "nominal": 1, "lsl": 0, "usl": 2}
    check = {
        "repair_minutes": 2,
        "tests": [{"name": "final-check", "characteristics": [gap]}],
    }
    drifting = {"equipment_class": "checker", "drift": {"after_hours": 56, "sigmas_per_hour": 0.25}}
    plant = small_plant(
        quality={"check": check}, **{"areas__back__work_centers__check-cell__work_units__chk-1": drifting}
    )
    bus = EventBus()
    watch = SpcWatch(bus).start()
    prepared = prepare(plant, "smart", 3, 1, bus=bus)
    prepared.floor.run(prepared.horizon)
    chk1, chk2 = plant.equipment_path("chk-1"), plant.equipment_path("chk-2")
    start = prepared.floor.publisher.epoch + timedelta(hours=56)
    drift_fails = [e.ts for e in bus.store.read(EventKind.TEST, chk1) if e.payload["result"] == "fail" and e.ts > start]
    assert drift_fails
    caught = [a for a in watch.alarms if a.equipment == chk1 and a.signal.at > start]
    assert caught
    assert caught[0].signal.at < min(drift_fails)
    assert caught[0].signal.at < start + timedelta(hours=6)
    assert len([a for a in watch.alarms if a.equipment == chk2]) <= 3


def _run_rule_alarms(
    rng: np.random.Generator, charts: int, subgroups: int, faulty: float = 0.0, **settings
) -> tuple[np.ndarray, int]:
    """Run-rule alarms on each of `charts` live charts of an in-control normal process (`known`: the true limits
    from the start), and the subgroups they charted. A `faulty` share of the values lies beyond a specification
    limit 4 sigma from nominal, as the twin measures a unit that fails its yield draw (0.2 to 1.2 sigma beyond
    the upper or the lower limit): charted like the rest, and besides alarmed out of specification."""
    known = settings.pop("known", False)
    alarms, charted = np.zeros(charts, dtype=int), 0
    for chart in range(charts):
        watch = Watch(**settings, revise=0) if known else Watch(**settings)
        if known:
            watch.params = spc.Parameters(0.0, 1.0)
        size = watch.subgroup * ((0 if known else watch.baseline) + subgroups)
        values = rng.standard_normal(size)
        if faulty:
            failed = rng.random(size) < faulty
            values[failed] = rng.choice([-1.0, 1.0], failed.sum()) * (4.2 + rng.random(failed.sum()))
        signals = _feed(watch, values, limit=4.0)
        alarms[chart] = sum(1 for s in signals if {a.rule for a in s.alarms} - {OUT_OF_SPECIFICATION})
        charted += len(watch.means)
    return alarms, charted


def _alarm_rate(rng: np.random.Generator, charts: int, subgroups: int, **settings) -> float:
    """Run-rule alarms a subgroup of live charts on an in-control normal process (see `_run_rule_alarms`)."""
    alarms, charted = _run_rule_alarms(rng, charts, subgroups, **settings)
    return alarms.sum() / charted


def test_limits_revised_to_a_hundred_subgroups_false_alarm_about_as_rarely_as_the_true_limits() -> None:
    """Limits from 20 subgroups of 5 alarm far more often under control than the true ones (Quesenberry 1993):
    revised with each in-control subgroup up to 100, they come within a third of the true limits' rate."""
    rng = np.random.default_rng(21)
    known = _alarm_rate(rng, 40, 400, known=True)
    revised = _alarm_rate(rng, 40, 400, baseline=20)
    fixed = _alarm_rate(rng, 40, 400, baseline=20, revise=0)
    assert 1 / 110 < known < 1 / 70  # the four Western Electric rules: one alarm in ~90 subgroups
    assert revised < 1.3 * known < fixed


def _two_products_on_one_tester(**changes) -> Plant:
    """The small plant with its two products checked on the same checkers against different nominals and limits,
    `FIRST_PASS_YIELD` of units passing (the others repaired and tested again)."""

    def check(nominal: float) -> dict:
        gap = {"name": "gap", "unit": "mm", "nominal": nominal, "lsl": nominal - 1, "usl": nominal + 1}
        tests = [{"name": "final-check", "characteristics": [gap]}]
        return {"first_pass_yield": FIRST_PASS_YIELD, "repair_minutes": 5, "tests": tests}

    routings = copy.deepcopy(BASE["routings"])
    routings["widget"]["operations"][0]["capability"] = "check-wide"
    return small_plant(
        quality={"check": check(1.0), "check-wide": check(3.0)},
        equipment_classes__checker={"capabilities": ["check", "check-wide"]},
        routings=routings,
        **changes,
    )


def test_an_in_control_plant_with_two_products_on_one_tester_alarms_no_more_than_theory_allows() -> None:
    """Each product gets its own chart on each checker, fed by first tests only: each value a first test failed
    alarms out of specification, once. It is charted too, so the run rules see an in-control process of which
    3 % of values lie beyond a limit (about 2.5 % of subgroups alarm, against 1.1 % on normal data): over six
    runs their alarms stay below the 99.9 % quantile of what the same charts give on such data."""
    plant = _two_products_on_one_tester()
    charted = ruled = charts = 0
    for seed in range(1, 7):
        bus = EventBus()
        watch = SpcWatch(bus).start()
        readings = StreamReadings()  # the first tests, decoded as the watch decodes them
        prepared = prepare(plant, "smart", 7, seed, bus=bus)
        prepared.floor.run(prepared.horizon)
        specs = {key[3] for key in watch.watches}
        assert specs == {(1.0, 0.0, 2.0), (3.0, 2.0, 4.0)}
        assert len(watch.watches) == 4
        failed = [
            reading
            for event in bus.store.read(EventKind.TEST)
            for reading in readings.of_event(event)
            if not reading.conforming
        ]
        assert failed
        assert [a.signal.at for a in watch.alarms if OUT_OF_SPECIFICATION in a.rules] == [r.at for r in failed]
        charted += sum(len(chart.means) for chart in watch.watches.values())
        ruled += sum(1 for a in watch.alarms if set(a.rules) - {OUT_OF_SPECIFICATION})
        charts += len(watch.watches)
    assert charted > 2400
    alarms, simulated = _run_rule_alarms(
        np.random.default_rng(5), 200, charted // charts, faulty=1 - FIRST_PASS_YIELD, baseline=watch.baseline
    )
    expected = charted * alarms.sum() / simulated
    dispersion = alarms.var() / alarms.mean()  # limits estimated chart by chart and alarms in episodes: above 1
    assert ruled <= stats.nbinom.ppf(0.999, expected / (dispersion - 1), 1 / dispersion)


def test_a_drift_on_a_tester_shared_by_two_products_is_caught_on_both_products_charts_within_hours() -> None:
    drifting = {"equipment_class": "checker", "drift": {"after_hours": 72, "sigmas_per_hour": 0.25}}
    plant = _two_products_on_one_tester(**{"areas__back__work_centers__check-cell__work_units__chk-1": drifting})
    bus = EventBus()
    watch = SpcWatch(bus).start()
    prepared = prepare(plant, "smart", 4, 1, bus=bus)
    prepared.floor.run(prepared.horizon)
    chk1 = plant.equipment_path("chk-1")
    start = prepared.floor.publisher.epoch + timedelta(hours=72)
    first = min(e.ts for e in bus.store.read(EventKind.TEST, chk1) if e.ts > start)  # the checker may stand idle
    caught = [a for a in watch.alarms if a.equipment == chk1 and a.signal.at > start]
    assert {a.spec for a in caught if a.signal.at < first + timedelta(hours=4)} == {(1.0, 0.0, 2.0), (3.0, 2.0, 4.0)}
