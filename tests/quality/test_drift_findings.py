"""Which alarm catches a drift: the first run rule's raised after it began on what a unit's tests measure, which
the drift moves; an alarm on one of its sensors' charts (a breakdown's warning, or chance), a lone value out of
specification (a unit failing at random) and one raised before the drift began are not the catch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from factoryos.model.bus import EventBus
from factoryos.quality.rules import Alarm
from factoryos.quality.watch import OUT_OF_SPECIFICATION, Signal
from factoryos.services.spc_watch import SpcAlarm, SpcWatch, drift_findings, drifting_units

EPOCH = datetime(2027, 3, 1, tzinfo=UTC)


def _alarm(equipment: str, name: str, test: str | None, since: datetime, rule: str = "we1") -> SpcAlarm:
    signal = Signal((Alarm(rule, "a point beyond a limit", 5, (5,)),), 5, since + timedelta(hours=1), since, 1.0)
    return SpcAlarm(equipment, name, test, signal)


def test_the_catch_is_the_first_alarm_on_a_tested_characteristic_not_a_sensor(ev_plant):
    end = EPOCH + timedelta(days=30)
    (path, began), *_ = drifting_units(ev_plant, EPOCH, end)
    watch = SpcWatch(EventBus())
    sensor = _alarm(path, "weld-current", None, began + timedelta(hours=2))
    tested = _alarm(path, "nugget_diameter", "weld-ultrasonic", began + timedelta(hours=20))
    before = _alarm(path, "nugget_diameter", "weld-ultrasonic", began - timedelta(hours=5))
    watch.alarms.extend([before, sensor, tested])
    (finding,) = [f for f in drift_findings(ev_plant, watch, EPOCH, end) if f.equipment == path]
    assert finding.alarm is tested
    watch.alarms.remove(tested)
    (unseen,) = [f for f in drift_findings(ev_plant, watch, EPOCH, end) if f.equipment == path]
    assert unseen.alarm is None


def test_a_pattern_straddling_the_drifts_start_catches_it(ev_plant):
    """A subgroup's first unit measured 18 minutes before the drift began, the alarm raised 23 hours after it: the
    subgroup holds drifted values, so the alarm is the catch, and the hold from where it began covers them all."""
    end = EPOCH + timedelta(days=30)
    (path, began), *_ = drifting_units(ev_plant, EPOCH, end)
    watch = SpcWatch(EventBus())
    straddling = _alarm(path, "nugget_diameter", "weld-ultrasonic", began - timedelta(minutes=18))
    straddling = SpcAlarm(
        path, "nugget_diameter", "weld-ultrasonic", replace(straddling.signal, at=began + timedelta(hours=23))
    )
    watch.alarms.append(straddling)
    (finding,) = [f for f in drift_findings(ev_plant, watch, EPOCH, end) if f.equipment == path]
    assert finding.alarm is straddling


def test_a_value_out_of_specification_is_not_the_catch_a_run_rule_is(ev_plant):
    """A unit failing its test an hour after the drift began (as units fail every day at random) is not the
    drift caught; the run rule that fires a day later is."""
    end = EPOCH + timedelta(days=30)
    (path, began), *_ = drifting_units(ev_plant, EPOCH, end)
    watch = SpcWatch(EventBus())
    failed = _alarm(path, "nugget_diameter", "weld-ultrasonic", began, rule=OUT_OF_SPECIFICATION)
    run = _alarm(path, "nugget_diameter", "weld-ultrasonic", began + timedelta(hours=24), rule="we4")
    watch.alarms.extend([failed, run])
    (finding,) = [f for f in drift_findings(ev_plant, watch, EPOCH, end) if f.equipment == path]
    assert finding.alarm is run
    watch.alarms.remove(run)
    (unseen,) = [f for f in drift_findings(ev_plant, watch, EPOCH, end) if f.equipment == path]
    assert unseen.alarm is None
