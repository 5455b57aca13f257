"""The live X-bar chart: its false-alarm rate against theory, a shift caught within a few subgroups and
latched to one alarm, and the stream service that raises alarm events, before a drifting station makes
scrap."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.quality.watch import Watch
from factoryos.services.spc_watch import SpcWatch
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import small_plant

T0 = datetime(2027, 3, 1, tzinfo=UTC)


def _feed(watch: Watch, values) -> list:
    return [s for k, v in enumerate(values) if (s := watch.add(float(v), T0 + timedelta(minutes=k))) is not None]


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
