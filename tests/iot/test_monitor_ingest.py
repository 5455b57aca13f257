"""The live multivariate monitor on the ingestion pipeline: what it stores is gathered into samples per
equipment, and an alarm event is stored as an episode begins and as it ends; the command line refuses an unknown
method before it connects to anything."""

from __future__ import annotations

from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.model.events import EventKind
from factoryos.model.readings import from_us
from factoryos.services.ingest import IngestRequest, live_watches
from factoryos.store.events import SqlEventStore
from tests.quality.cell import NAMES, correlated

from .test_iot_cli import runner, top
from .test_pipeline import EQUIPMENT, T0, reading, stored


def test_a_sensor_off_its_relation_to_the_others_stores_an_episode_naming_it(store):
    """Six sensors of one equipment, a sample a second, their readings a few milliseconds apart; from sample 250
    s3 stays three spreads off its relation to the others for 20 samples."""
    request = IngestRequest(broker="mqtt://unused", monitor="pca", monitor_period=1.0, monitor_train=150)
    pipeline = Pipeline(store, PipelineSettings(max_wait_s=0.01), on_stored=live_watches(store.engine, request)).start()
    data = correlated(300, seed=8)
    data[250:270, 3] += 3 * data[:, 3].std()
    seq = 0
    for k, row in enumerate(data):
        for name, value in zip(NAMES, row, strict=True):
            pipeline.submit(reading(seq, round(float(value), 4), "mm", name=name, ts=T0 + 1000 * k + seq % 6))
            seq += 1
    assert pipeline.wait_idle()
    pipeline.stop()
    assert stored(store) == data.size
    alarms = [e for e in SqlEventStore(store.engine).read(EventKind.ALARM) if e.payload["code"] == "monitor-pca"]
    assert alarms
    assert all(e.equipment == EQUIPMENT for e in alarms)
    off = from_us((T0 + 250_000) * 1000)  # T0 is in milliseconds
    raised = next(e for e in alarms if e.payload["active"] and e.ts > off)
    assert raised.payload["since"] == off.isoformat()
    assert raised.payload["sensors"][0][0] == "s3"
    ended = next(e for e in alarms if not e.payload["active"] and e.payload["since"] == raised.payload["since"])
    assert ended.payload["samples"] == 20
    assert ended.payload["until"] == from_us((T0 + 270_000) * 1000).isoformat()


def test_an_unknown_method_is_refused_before_connecting():
    result = runner.invoke(top, ["ingest", "--broker", "mqtt://127.0.0.1:1", "--monitor", "kpca"])
    assert result.exit_code != 0
    assert "unknown monitoring method 'kpca'" in str(result.exception)
