"""End to end: a simulated line publishes its events on the bus, the bridge sends them through Mosquitto,
the ingester stores them, and the OEE computed from the database equals the OEE of the events as sent."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from factoryos.iot.oee import Counted, by_line, equipment_oee, state_intervals
from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.model.readings import from_us, to_us

from .mqtt_helpers import through_mosquitto

pytestmark = pytest.mark.mqtt

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
SHIFT = timedelta(hours=8)
STATES = ["running", "running", "running", "idle", "starved", "blocked", "setup", "down"]


def simulated_line(site: str, seed: int = 5) -> list[Event]:
    """A shift of three stations: random state changes, and units counted while running."""
    rng = random.Random(seed)
    events = []
    for station in ("press", "welder", "paint"):
        equipment = f"{site}/body/line-1/{station}"
        t = T0
        while t < T0 + SHIFT:
            state = rng.choice(STATES)
            events.append(_event(t, equipment, EventKind.STATE, {"state": state}))
            span = timedelta(seconds=rng.randint(60, 1800))
            if state == "running":
                for k in range(int(span.total_seconds() // 70)):
                    scrap = rng.random() < 0.05
                    payload = {"good": 0 if scrap else 1, "scrap": 1 if scrap else 0}
                    events.append(_event(t + timedelta(seconds=70 * k + 1), equipment, EventKind.COUNT, payload))
            t += span
    return sorted(events, key=lambda e: e.ts)


def _event(ts, equipment, kind, payload) -> Event:
    _event.seq = getattr(_event, "seq", 0) + 1
    return Event(
        ts=ts,
        site=equipment.split("/")[0],
        equipment=equipment,
        kind=kind,
        payload=payload,
        source="sim",
        seq=_event.seq,
    )


def line_oee(states, counts):
    intervals = state_intervals(states, T0, T0 + SHIFT)
    return by_line(equipment_oee(intervals, counts, ideal_cycle_s=60.0))


def test_oee_from_what_arrived_equals_oee_of_what_was_sent(broker, store, uid):
    host, port = broker
    site = f"site{uid}"
    events = simulated_line(site)
    sent_states = [(e.ts, e.equipment, e.payload["state"]) for e in events if e.kind is EventKind.STATE]
    sent_counts = [Counted.of(e) for e in events if e.kind is EventKind.COUNT and e.ts < T0 + SHIFT]
    bus = EventBus()
    with through_mosquitto(store, host, port, uid, bus) as delivered:
        bus.publish_many(events)
        delivered(len(events))
    lo, hi = to_us(T0), to_us(T0 + SHIFT)
    got_states = [(from_us(r.ts_us), r.equipment, r.state) for r in store.state_changes(site, lo, hi)]
    got_counts = [Counted.of_row(r) for r in store.counts(site, lo, hi)]
    [(line, sent)] = line_oee(sent_states, sent_counts).items()
    [(_, arrived)] = line_oee(got_states, got_counts).items()
    assert line == f"{site}/body/line-1"
    assert 0.2 < sent.oee < 0.9
    assert abs(arrived.oee - sent.oee) * 100 <= 0.5
    assert arrived.good == sent.good
    assert arrived.produced == sent.produced
