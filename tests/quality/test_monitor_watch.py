"""The multivariate monitor live on a stream: judged one sample at a time it gives the statistics of the
offline monitor, few false alarms on normal data, an alarm episode on a drift naming the drifting sensor, and
sensible samples from readings that come out of order or miss a sensor."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.events import Event, EventKind
from factoryos.quality.monitor import Stream, fit, score
from factoryos.quality.monitor_watch import Episode, MonitorWatch
from factoryos.services.monitor_watch import MultivariateWatch, monitor_findings
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import small_plant

from .cell import NAMES, SENSORS, correlated, simulate_cell

T0 = datetime(2027, 3, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)
PERIOD = 60.0


def feed(
    watch: MonitorWatch, data: np.ndarray, names: tuple[str, ...] = NAMES, first: int = 0
) -> list[tuple[int, Episode]]:
    """One row a period, each sensor's reading a few seconds after the last; the episodes with their row."""
    changed = []
    for k, row in enumerate(data, start=first):
        for j, name in enumerate(names):
            at = T0 + timedelta(seconds=PERIOD * k + 3 * j)
            changed.extend((k, episode) for episode in watch.add(name, float(row[j]), at))
    return changed


def test_a_stream_judged_one_sample_at_a_time_gives_the_offline_scores() -> None:
    """The live watch judges with the offline monitor's statistic, carrying its lags and moving average."""
    learnt = fit(simulate_cell(2000, seed=1), SENSORS, "ewma-dpca")
    test = simulate_cell(400, seed=2, drift_from=100)
    offline = score(learnt, test)
    stream = Stream(learnt)
    live = [stream.judge(row) for row in test]
    assert live[:2] == [None, None]  # two lags: no past to judge with yet
    statistic = np.array([judged[0] for judged in live[2:]])
    np.testing.assert_allclose(statistic, offline.statistic[2:], rtol=1e-9)
    alarmed = statistic > 1
    assert alarmed.any()
    assert not alarmed.all()
    shares = np.array([judged[1] for judged in live[2:]])
    np.testing.assert_allclose(shares[alarmed], offline.contributions[2:][alarmed], rtol=1e-9, atol=1e-12)
    assert not shares[~alarmed].any()  # only an alarm is explained


def test_normal_data_raises_few_false_alarms_in_few_episodes() -> None:
    watch = MonitorWatch("ewma-dpca", period=PERIOD, train=400)
    episodes = feed(watch, correlated(400 + 5000, seed=21))
    assert watch.judged >= 4900  # every period after learning, less the lags and the one still open
    assert watch.alarmed / watch.judged <= 0.05
    raised = [episode for _, episode in episodes if episode.end is None]
    assert len(raised) <= watch.alarmed


@pytest.mark.parametrize(("persist", "over", "raised"), [(3, 1, False), (3, 3, True), (1, 1, True)])
def test_an_episode_is_raised_once_persist_samples_in_a_row_are_over_the_limit(persist, over, raised) -> None:
    """A lone sample over the limit is what a 99th-percentile limit lets one normal sample in a hundred do; a
    run of `persist` is an episode, dated from the run's first sample."""
    data = correlated(500, seed=31)
    data[450 : 450 + over, 3] += 10 * data[:, 3].std()  # off its relation to the others: far over the limit
    watch = MonitorWatch("pca", period=PERIOD, train=400, persist=persist)
    first = T0 + timedelta(seconds=PERIOD * 450)
    starts = [
        e.start for _, e in feed(watch, data) if e.end is None and first <= e.start < first + PERIOD * over * SECOND
    ]
    assert watch.alarmed >= over  # the excursion's samples were over the limit either way
    assert starts == ([first] if raised else [])


@pytest.mark.parametrize(("over", "raised"), [(1, False), (2, True)])
def test_a_dynamic_model_raises_an_episode_on_two_odd_samples_not_on_one_seen_through_its_lags(over, raised) -> None:
    """With two lags one odd sample is in three judgements in a row: it alone does not make the run of two that
    `persist` asks for; two odd samples in a row do."""
    data = correlated(500, seed=31)
    data[450 : 450 + over, 3] += 10 * data[:, 3].std()
    watch = MonitorWatch("dpca", period=PERIOD, train=400, persist=2)
    first = T0 + timedelta(seconds=PERIOD * 450)
    starts = [e.start for _, e in feed(watch, data) if e.end is None and first <= e.start < first + 3 * PERIOD * SECOND]
    assert watch.alarmed >= over + 2  # each odd sample is over the limit in its own row and its two lagged ones
    assert starts == ([first] if raised else [])


ONSET = 1000


def drifted(method: str) -> tuple[MonitorWatch, list[tuple[int, Episode]]]:
    """A watch learning from 400 normal samples, then judging s3 drift a hundredth of its spread a sample from
    sample 1,000 (4.5 by the last, 1,449)."""
    watch = MonitorWatch(method, period=PERIOD, train=400)
    return watch, feed(watch, correlated(1450, seed=22, drift_from=ONSET))


@pytest.mark.parametrize("method", ["pca", "dpca", "ewma-dpca"])
def test_a_drifting_sensor_raises_an_episode_that_names_it(method) -> None:
    watch, episodes = drifted(method)
    raised = [(row, episode) for row, episode in episodes if episode.end is None]
    assert len([row for row, _ in raised if row < ONSET]) <= 0.05 * (ONSET - 400)
    current = watch.episode
    assert current is not None  # the drift goes on: its episode is still open at the end
    assert current.start >= T0 + timedelta(seconds=PERIOD * ONSET)
    assert current.start < T0 + timedelta(seconds=PERIOD * (ONSET + 200))  # before s3 is 2 spreads off
    assert current.sensors[0][0] == "s3"
    assert current.samples > 200
    after = [episode for row, episode in raised if row >= ONSET]
    assert 10 * len(after) < watch.alarmed  # episodes, not an alarm a sample


def test_the_ewma_view_flags_a_slow_drift_sooner_than_plain_pca() -> None:
    delays = {}
    for method in ("pca", "ewma-dpca"):
        watch, _ = drifted(method)
        assert watch.episode is not None
        delays[method] = watch.episode.start - T0 - timedelta(seconds=PERIOD * ONSET)
    assert delays["ewma-dpca"] < delays["pca"]


def test_readings_out_of_order_within_the_late_window_make_the_same_samples() -> None:
    data = correlated(700, seed=23, drift_from=550, per_row=0.03)
    in_order = MonitorWatch("dpca", period=PERIOD, train=300, late=1)
    expected = feed(in_order, data)
    shuffled = MonitorWatch("dpca", period=PERIOD, train=300, late=1)
    readings = [
        (k, name, float(row[j]), T0 + timedelta(seconds=PERIOD * k + 3 * j))
        for k, row in enumerate(data)
        for j, name in enumerate(NAMES)
    ]
    rng = np.random.default_rng(5)
    # Each reading is delayed by up to one period: within the window a period stays open for.
    arrivals = sorted(readings, key=lambda r: r[3] + timedelta(seconds=float(rng.uniform(0, PERIOD))))
    got = [episode for _, name, value, at in arrivals for episode in shuffled.add(name, value, at)]
    assert arrivals != readings
    assert got == [episode for _, episode in expected]
    assert (shuffled.judged, shuffled.alarmed, shuffled.late_readings) == (in_order.judged, in_order.alarmed, 0)


def test_a_reading_for_a_period_already_judged_is_counted_late_and_left_out() -> None:
    watch = MonitorWatch("pca", period=PERIOD, train=100, late=0)
    feed(watch, correlated(200, seed=24))
    judged = watch.judged
    watch.add("s0", 1e6, T0 + timedelta(seconds=PERIOD * 150))  # an absurd value, long closed: not judged
    assert watch.late_readings == 1
    watch.add("s0", float("nan"), T0 + timedelta(seconds=PERIOD * 200))
    assert watch.not_finite == 1
    feed(watch, correlated(3, seed=25), first=200)
    assert watch.judged == judged + 3
    assert watch.episode is None


def test_a_missing_sensor_stands_at_its_last_value_for_hold_periods_then_the_sample_waits() -> None:
    watch = MonitorWatch("pca", period=PERIOD, train=100, hold=2)
    feed(watch, correlated(200, seed=26))
    judged = watch.judged
    without_s5 = correlated(6, seed=27)[:, :5]
    feed(watch, without_s5, NAMES[:5], first=200)
    feed(watch, correlated(2, seed=28), first=206)
    # Rows 199..207 close (the last stays open): 199 complete, 200-201 with s5 held, 202-205 incomplete, 206 back.
    assert watch.judged == judged + 4
    assert watch.incomplete == 4


def test_the_series_are_those_reported_in_half_the_first_samples_less_the_constant_ones() -> None:
    watch = MonitorWatch("pca", period=PERIOD, train=100)
    data = correlated(300, seed=29)
    for k, row in enumerate(data):
        at = T0 + timedelta(seconds=PERIOD * k)
        for j, name in enumerate(NAMES):
            watch.add(name, float(row[j]), at)
        watch.add("stuck", 3.0, at)  # a sensor that never moves
        if k % 3 == 0:
            watch.add("rare", float(row[0]), at)  # in a third of the samples
    assert watch.watching
    assert watch.sensors == NAMES


def test_one_varying_series_is_for_spc_not_for_this_monitor() -> None:
    watch = MonitorWatch("pca", period=PERIOD, train=50)
    rng = np.random.default_rng(30)
    for k in range(120):
        at = T0 + timedelta(seconds=PERIOD * k)
        watch.add("temperature", float(rng.normal(60, 1)), at)
        watch.add("setpoint", 60.0, at)
    assert not watch.watching
    assert watch.reason is not None
    assert "SPC" in watch.reason
    assert watch.judged == 0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(FactoryosError, match="unknown monitoring method 'kpca'"):
        MonitorWatch("kpca")
    with pytest.raises(FactoryosError, match="sample period"):
        MonitorWatch(period=0)
    with pytest.raises(FactoryosError, match="train >= 2"):
        MonitorWatch(train=1)


def test_an_episode_on_the_bus_is_one_alarm_event_as_it_begins_and_one_as_it_ends() -> None:
    """Five sensors read by test events of one station, one off its relation to the others for 40 samples."""
    bus = EventBus()
    watch = MultivariateWatch(bus, "pca", period=PERIOD, train=300).start()
    data = correlated(600, seed=31)
    data[450:490, 3] += 4 * data[:, 3].std()
    for k, row in enumerate(data):
        measurements = [{"name": name, "value": float(v), "unit": "mm"} for name, v in zip(NAMES, row, strict=True)]
        payload = {"serial": f"S{k}", "test": "gauge", "result": "pass", "measurements": measurements}
        at = T0 + timedelta(seconds=PERIOD * k)
        bus.publish(
            Event(ts=at, site="s", equipment="s/a/cell/g1", kind=EventKind.TEST, payload=payload, source="t", seq=k)
        )
    watch.stop()
    events = [e for e in bus.store.read(EventKind.ALARM) if e.ts >= T0 + timedelta(seconds=PERIOD * 450)]
    raised, ended = events[0], events[1]
    assert (raised.payload["active"], ended.payload["active"]) == (True, False)
    assert raised.payload["code"] == "monitor-pca"
    assert raised.payload["method"] == "pca"
    assert raised.payload["statistic"] > raised.payload["limit"] == 1.0
    assert raised.payload["sensors"][0][0] == "s3 (gauge)"
    assert raised.payload["since"] == (T0 + timedelta(seconds=PERIOD * 450)).isoformat()
    assert ended.payload["since"] == raised.payload["since"]
    assert ended.payload["until"] == (T0 + timedelta(seconds=PERIOD * 490)).isoformat()
    assert ended.payload["samples"] == 40
    assert ended.payload["sensors"][0][0] == "s3 (gauge)"
    assert "s3 (gauge)" in raised.payload["message"]
    (alarm,) = [a for a in watch.alarms if a.episode.start == T0 + timedelta(seconds=PERIOD * 450)]
    assert alarm.equipment == "s/a/cell/g1"
    assert alarm.episode.samples == 40
    seqs = [e.seq for e in bus.store.read(EventKind.ALARM)]
    assert len(set(seqs)) == len(seqs)


def test_a_tester_shared_by_products_of_other_nominals_is_followed_by_the_deviation_from_each_nominal() -> None:
    """Two products take turns on one gauge in campaigns of 200 units, their nominals 10 mm apart: the raw values
    of the second campaign are far from all the monitor learnt on the first; the deviations from each unit's
    nominal are one in-control population."""
    bus = EventBus()
    watch = MultivariateWatch(bus, "pca", period=PERIOD, train=150).start()
    data = correlated(1200, seed=32)
    for k, row in enumerate(data):
        nominal = 10.0 if k // 200 % 2 == 0 else 20.0
        measurements = [
            {"name": name, "value": nominal + float(v), "nominal": nominal, "unit": "mm"}
            for name, v in zip(NAMES, row, strict=True)
        ]
        payload = {"serial": f"S{k}", "test": "gauge", "result": "pass", "measurements": measurements}
        at = T0 + timedelta(seconds=PERIOD * k)
        bus.publish(
            Event(ts=at, site="s", equipment="s/a/cell/g1", kind=EventKind.TEST, payload=payload, source="t", seq=k)
        )
    watch.stop()
    (gauge,) = watch.watches.values()
    assert gauge.judged >= 900
    assert gauge.alarmed <= 0.05 * gauge.judged


def test_a_drifting_station_of_a_plant_is_flagged_after_its_drift_begins_naming_what_it_makes() -> None:
    """chk-1 drifts a quarter sigma an hour from hour 80 on each of the three characteristics its test measures;
    chk-2 beside it does not. The monitor has learnt normal operation by then (ewma-dpca needs about 167
    samples, and learning into the drift would take its start for normal). Its first unit out of specification
    is a race against the monitor: it can come at any shift (the twin then corrects the drift's cause), but by
    six hours the shift is 1.5 sigma on each characteristic and the smoothed statistic is far over its limit.
    So on each of six runs the monitor flags chk-1 within six hours of the drift, blaming what the test
    measures, unless a unit out of specification came first."""
    characteristics = [
        {"name": name, "unit": "mm", "nominal": 1, "lsl": 0, "usl": 2} for name in ("gap", "flush", "height")
    ]
    check = {"repair_minutes": 2, "tests": [{"name": "final-check", "characteristics": characteristics}]}
    drifting = {"equipment_class": "checker", "drift": {"after_hours": 80, "sigmas_per_hour": 0.25}}
    plant = small_plant(
        quality={"check": check}, **{"areas__back__work_centers__check-cell__work_units__chk-1": drifting}
    )
    chk1 = plant.equipment_path("chk-1")
    for seed in range(1, 7):
        bus = EventBus()
        watch = MultivariateWatch(bus, "ewma-dpca", period=300.0, train=170).start()
        prepared = prepare(plant, "smart", 4, seed, bus=bus)
        prepared.floor.run(prepared.horizon)
        epoch = prepared.floor.publisher.epoch
        (finding,) = monitor_findings(plant, watch, epoch, epoch + timedelta(days=4))
        assert finding.equipment == chk1
        assert finding.began == epoch + timedelta(hours=80)
        tests = list(bus.store.read(EventKind.TEST, chk1))
        periods = {math.floor(e.ts.timestamp() / watch.period) for e in tests if e.ts < finding.began}
        assert len(periods) > watch.train + 1  # samples, each closed by a later one: learnt before the drift
        assert watch.watches[chk1].sensors == tuple(f"{name} (final-check)" for name in ("flush", "gap", "height"))
        first_fail = min(e.ts for e in tests if e.payload["result"] == "fail" and e.ts > finding.began)
        flagged = finding.alarm.episode.raised if finding.alarm is not None else datetime.max.replace(tzinfo=UTC)
        assert min(flagged, first_fail) < finding.began + timedelta(hours=6)
        if flagged < first_fail:
            assert finding.alarm is not None
            assert finding.alarm.episode.sensors[0][0].endswith("(final-check)")


def test_the_watch_says_why_each_equipment_it_does_not_monitor_is_not() -> None:
    """Three gauges on one stream: g1 measures five correlated characteristics (watched); g2 one (that is SPC's
    work); g3 five, but reports too few samples to learn from."""
    bus = EventBus()
    watch = MultivariateWatch(bus, "pca", period=PERIOD, train=100).start()
    data = correlated(200, seed=41)

    def test_event(equipment: str, k: int, names: tuple[str, ...]) -> Event:
        row = data[k % len(data)]
        measurements = [{"name": n, "value": float(v), "unit": "mm"} for n, v in zip(names, row, strict=False)]
        payload = {"serial": f"{equipment}-{k}", "test": "gauge", "result": "pass", "measurements": measurements}
        at = T0 + timedelta(seconds=PERIOD * k)
        return Event(
            ts=at,
            site="s",
            equipment=f"s/a/cell/{equipment}",
            kind=EventKind.TEST,
            payload=payload,
            source=equipment,
            seq=k,
        )

    for k in range(200):
        bus.publish(test_event("g1", k, NAMES))
        bus.publish(test_event("g2", k, NAMES[:1]))
        if k < 50:
            bus.publish(test_event("g3", k, NAMES))
    watch.stop()
    assert set(watch.watched()) == {"s/a/cell/g1"}
    reasons = watch.unwatched()
    assert reasons.total() == 2
    assert reasons["fewer than 100 samples to learn from"] == 1
    (spc,) = [r for r in reasons if r.startswith("1 varying series")]
    assert reasons[spc] == 1
