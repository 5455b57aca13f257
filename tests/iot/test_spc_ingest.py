"""Live SPC on the ingestion pipeline: what it stores is charted as it comes, and an alarm event is stored the
moment a run rule fires; a failing live consumer stops nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.services.spc_watch import SpcWatch
from factoryos.store.events import SqlEventStore

from .test_pipeline import EQUIPMENT, reading, stored


def test_a_shift_in_the_ingested_readings_stores_an_alarm_naming_rule_sensor_and_equipment(store):
    watch = SpcWatch(EventBus(SqlEventStore(store.engine)), subgroup=4, baseline=10)
    pipeline = Pipeline(store, PipelineSettings(max_wait_s=0.01), on_stored=watch.take_batch).start()
    rng = np.random.default_rng(4)
    values = np.r_[rng.normal(60.0, 0.5, 80), np.full(12, 64.0)]
    for seq, value in enumerate(values):
        pipeline.submit(reading(seq, round(float(value), 3)))
    assert pipeline.wait_idle()
    pipeline.stop()
    assert stored(store) == len(values)
    alarms = list(SqlEventStore(store.engine).read(EventKind.ALARM))
    assert alarms
    first = alarms[0]
    assert first.equipment == EQUIPMENT
    assert first.payload["characteristic"] == "temperature"
    assert first.payload["code"].startswith("spc-we")
    assert "temperature" in first.payload["message"]
    since = datetime.fromisoformat(first.payload["since"]).astimezone(UTC)
    assert first.payload["message"].endswith(f"since {since:%Y-%m-%d %H:%M} UTC")  # its zone said, not left to guess


def test_a_failing_live_consumer_does_not_stop_ingestion(store):
    def broken(batch) -> None:
        raise RuntimeError("consumer bug")

    pipeline = Pipeline(store, PipelineSettings(max_wait_s=0.01), on_stored=broken).start()
    for seq in range(20):
        pipeline.submit(reading(seq))
    assert pipeline.wait_idle()
    pipeline.stop()
    assert stored(store) == 20
