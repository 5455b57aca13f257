"""The commands, through Typer's runner on this package's own Typer objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import typer
from typer.testing import CliRunner

from factoryos.cli import iot
from factoryos.iot.messages import Inbound
from factoryos.iot.pipeline import Pipeline
from factoryos.model.errors import FactoryosError
from factoryos.model.readings import CountRow, StateChangeRow, to_us
from factoryos.store.timeseries import Batch

runner = CliRunner()
top = typer.Typer()
top.command("ingest")(iot.ingest)
top.command("oee")(iot.oee)
top.add_typer(iot.app, name="iot")

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
PRESS = "ev/body/line-1/press"


def db_url(store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_dead_letters_lists_what_was_rejected(store):
    pipeline = Pipeline(store).start()
    pipeline.submit(Inbound("mqtt", "factoryos/ev/body/line-1/press/measurement", b"\x00garbage"))
    pipeline.wait_idle()
    pipeline.stop()
    result = runner.invoke(top, ["iot", "dead-letters", "--json", "--db", db_url(store)])
    assert result.exit_code == 0, result.output
    [letter] = json.loads(result.output)
    assert letter["channel"] == "mqtt" and "not JSON" in letter["reason"] and letter["raw"] == b"\x00garbage".hex()
    table = runner.invoke(top, ["iot", "dead-letters", "--db", db_url(store)])
    assert "1 dead letters" in table.output


def test_retention_and_prune(store):
    result = runner.invoke(top, ["iot", "retention", "measurements", "7", "--db", db_url(store)])
    assert result.exit_code == 0 and "measurements" in result.output and "7" in result.output
    assert store.retention()["measurements"] == 7
    bad = runner.invoke(top, ["iot", "retention", "weather", "7", "--db", db_url(store)])
    assert isinstance(bad.exception, FactoryosError)
    result = runner.invoke(top, ["iot", "prune", "--db", db_url(store)])
    assert result.exit_code == 0 and "measurements: 0 deleted" in result.output


def test_oee_by_equipment_and_line(store):
    store.write(
        Batch(
            states=[
                StateChangeRow(to_us(T0), "ev", PRESS, "running", None, "plc", 1),
                StateChangeRow(to_us(T0 + timedelta(hours=1)), "ev", PRESS, "down", "jam", "plc", 2),
            ],
            counts=[CountRow(to_us(T0 + timedelta(minutes=5)), "ev", PRESS, 50, 10, 0, None, "plc", 3)],
        )
    )
    window = ["--from", T0.isoformat(), "--to", (T0 + timedelta(hours=2)).isoformat(), "--db", db_url(store)]
    result = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--json", *window])
    assert result.exit_code == 0, result.output
    [figure] = json.loads(result.output)
    assert figure["key"] == PRESS
    assert figure["availability"] == 0.5 and figure["quality"] == 50 / 60
    assert figure["losses_s"]["breakdowns"] == 3600
    result = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--by", "line", "--line", "line-1", "--json", *window])
    [line] = json.loads(result.output)
    assert line["key"] == "ev/body/line-1" and abs(line["oee"] - 0.5 * 1.0 * 50 / 60) < 1e-9
    table = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--by", "day", *window])
    assert table.exit_code == 0 and "1.0 h" in table.output  # the biggest loss: an hour down
    missing = runner.invoke(top, ["oee", *window])
    assert isinstance(missing.exception, FactoryosError)


def test_ingest_needs_a_source():
    result = runner.invoke(top, ["ingest"])
    assert isinstance(result.exception, FactoryosError)
