"""The commands, through Typer's runner on this package's own Typer objects."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factoryos.cli import iot
from factoryos.iot.messages import Inbound
from factoryos.iot.oee import Losses, Oee
from factoryos.iot.pipeline import Pipeline, PipelineSettings, Stats
from factoryos.model.errors import FactoryosError
from factoryos.model.readings import CountRow, StateChangeRow, to_us
from factoryos.services import ingest as iot_service
from factoryos.services.oee import OeeQuery
from factoryos.store.tables import DeadLetter
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
    [letter] = json.loads(result.output)["items"]
    assert letter["channel"] == "mqtt"
    assert "not JSON" in letter["reason"]
    assert letter["raw"] == b"\x00garbage".hex()
    assert datetime.fromisoformat(letter["received_at"]).utcoffset() == timedelta(0)  # SQLite keeps no zone
    table = runner.invoke(top, ["iot", "dead-letters", "--db", db_url(store)])
    assert "1 dead letter " in table.output
    assert "dead letters" not in table.output


def test_dead_letters_show_the_whole_payloads_length_and_sha256(store):
    """Of a payload past 64 KiB only the start is kept; its whole length and hash say what it was."""
    payload = b"y" * 70_000
    pipeline = Pipeline(store).start()
    pipeline.submit(Inbound("mqtt", "factoryos/ev/body/line-1/press/measurement", payload))
    pipeline.wait_idle()
    pipeline.stop()
    digest = hashlib.sha256(payload).hexdigest()
    [letter] = json.loads(runner.invoke(top, ["iot", "dead-letters", "--json", "--db", db_url(store)]).output)["items"]
    assert (letter["raw_length"], letter["raw_sha256"]) == (70_000, digest)
    assert len(letter["raw"]) < 2 * 70_000
    table = runner.invoke(top, ["iot", "dead-letters", "--db", db_url(store)]).output
    assert "70,000" in table
    sha_column = [line.split("│")[-2].strip() for line in table.splitlines() if line.startswith("│")]
    assert "".join(sha_column) == digest  # folded over lines where the terminal is narrow


def test_retention_and_prune(store):
    result = runner.invoke(top, ["iot", "retention", "measurements", "7", "--db", db_url(store)])
    assert result.exit_code == 0
    assert "measurements" in result.output
    assert "7" in result.output
    assert store.retention()["measurements"] == 7
    bad = runner.invoke(top, ["iot", "retention", "weather", "7", "--db", db_url(store)])
    assert isinstance(bad.exception, FactoryosError)
    result = runner.invoke(top, ["iot", "prune", "--db", db_url(store)])
    assert result.exit_code == 0
    assert "measurements: 0 deleted" in result.output


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
    [figure] = json.loads(result.output)["items"]
    assert figure["key"] == PRESS
    assert figure["availability"] == 0.5
    assert figure["quality"] == 50 / 60
    assert figure["losses_s"]["breakdowns"] == 3600
    result = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--by", "line", "--line", "line-1", "--json", *window])
    [line] = json.loads(result.output)["items"]
    assert line["key"] == "ev/body/line-1"
    assert abs(line["oee"] - 0.5 * 1.0 * 50 / 60) < 1e-9
    by_line = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--by", "line", *window], terminal_width=200)
    assert "good, all stations" in by_line.output  # a line's units are its stations' added up
    table = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--by", "day", *window])
    assert table.exit_code == 0
    assert "1.0 h" in table.output
    missing = runner.invoke(top, ["oee", *window])
    assert isinstance(missing.exception, FactoryosError)


def test_oee_names_the_cause_of_most_of_its_idling_and_minor_stops(store):
    """Of two hours the press runs 30 min, stands blocked 80 min and starved 10 min: idling and minor stops, its
    biggest loss, is 1.5 h, 89 % of it blocked, so the table leads with the blockage; the JSON has both causes."""
    store.write(
        Batch(
            states=[
                StateChangeRow(to_us(T0), "ev", PRESS, "running", None, "plc", 1),
                StateChangeRow(to_us(T0 + timedelta(minutes=30)), "ev", PRESS, "blocked", None, "plc", 2),
                StateChangeRow(to_us(T0 + timedelta(minutes=110)), "ev", PRESS, "starved", None, "plc", 3),
            ],
            counts=[CountRow(to_us(T0 + timedelta(minutes=5)), "ev", PRESS, 30, 0, 0, None, "plc", 4)],
        )
    )
    window = ["--from", T0.isoformat(), "--to", (T0 + timedelta(hours=2)).isoformat(), "--db", db_url(store)]
    [figure] = json.loads(runner.invoke(top, ["oee", "--ideal-cycle", "60", "--json", *window]).output)["items"]
    assert figure["idling_and_minor_stops_s"] == {"blocked": 80 * 60, "starved": 10 * 60}
    assert figure["losses_s"]["idling and minor stops"] == 90 * 60
    table = runner.invoke(top, ["oee", "--ideal-cycle", "60", *window], terminal_width=200).output
    assert "blocked 1.3 h (idling and minor stops 1.5 h)" in table


def test_minor_stops_of_no_one_cause_are_shown_with_both():
    split = Oee("line", 3 * 3600.0, 3 * 3600.0, 0.0, 0.0, 0.0, Losses(blocked_s=2 * 3600.0, starved_s=3600.0))
    assert iot._oee_cells(split)[-1] == "idling and minor stops 3.0 h (blocked 2.0 h, starved 1.0 h)"
    setup = Oee("press", 3600.0, 3000.0, 0.0, 0.0, 0.0, Losses(setup_s=600.0, starved_s=300.0))
    assert iot._oee_cells(setup)[-1] == "setup and adjustments 0.2 h"


def test_a_count_more_than_the_run_time_makes_is_named_and_an_idle_window_has_no_factors(store):
    """An hour's run at a minute a unit makes 60; a count of 100,000 reads 166,667 % performance: the table says
    which equipment and why it cannot be, and the JSON marks it. A window with no planned busy time has no
    factors (the table's "-", the JSON's null), not zeros."""
    store.write(
        Batch(
            states=[
                StateChangeRow(to_us(T0), "ev", PRESS, "running", None, "plc", 1),
                StateChangeRow(to_us(T0 + timedelta(hours=1)), "ev", PRESS, "idle", None, "plc", 2),
            ],
            counts=[CountRow(to_us(T0 + timedelta(minutes=30)), "ev", PRESS, 100_000, 0, 0, None, "plc", 3)],
        )
    )
    window = ["--from", T0.isoformat(), "--to", (T0 + timedelta(hours=2)).isoformat(), "--db", db_url(store)]
    table = runner.invoke(top, ["oee", "--ideal-cycle", "60", *window])
    assert table.exit_code == 0, table.output
    said = " ".join(table.output.split())
    assert f"{PRESS}: 100,000 units counted in 1.0 h of run time" in said
    assert "a count is wrong or the plant file's ideal cycle is too slow" in said
    [figure] = json.loads(runner.invoke(top, ["oee", "--ideal-cycle", "60", "--json", *window]).output)["items"]
    assert figure["overcounted"] is True
    later = ["--from", (T0 + timedelta(hours=3)).isoformat(), "--to", (T0 + timedelta(hours=4)).isoformat()]
    [idle] = json.loads(
        runner.invoke(top, ["oee", "--ideal-cycle", "60", "--json", *later, "--db", db_url(store)]).output
    )["items"]
    assert (idle["availability"], idle["performance"], idle["quality"], idle["oee"]) == (None, None, None, None)
    assert idle["overcounted"] is False


KILN = Path(__file__).resolve().parents[1] / "data" / "kiln-plant.yaml"
GLAZER = "kiln-site/finishing/glaze-a/glazer-a"
IST = timezone(timedelta(hours=5, minutes=30))


def _glazer_runs_a_night(store, night: datetime, units_after_hours: tuple[int, ...]) -> None:
    """The glazer runs 8 h from `night`, then idles, and counts a good unit each of `units_after_hours` in."""
    store.write(
        Batch(
            states=[
                StateChangeRow(to_us(night), "kiln-site", GLAZER, "running", None, "plc", 1),
                StateChangeRow(to_us(night + timedelta(hours=8)), "kiln-site", GLAZER, "idle", None, "plc", 2),
            ],
            counts=[
                CountRow(to_us(night + timedelta(hours=h)), "kiln-site", GLAZER, 1, 0, 0, None, "plc", 3 + h)
                for h in units_after_hours
            ],
        )
    )


def test_oee_by_shift_and_day_follows_the_sites_clock_across_midnight_and_a_half_hour_offset(store):
    """The glazer runs the night shift 22:00-06:00 at the site (+05:30) and counts a unit at 23:00 and one at
    01:00. Asked in UTC with the plant, the night shift of the 4th holds all 8 h and both units; the site's
    4th holds 2 h and the unit counted at 23:00, its 5th 6 h and the one counted at 01:00, whole, though it was
    worked on from 23:00 (in UTC both units and 7.5 h fall on the 4th). Its data is stamped ahead of the wall
    clock, so its newest reading is its present: it idles only once it says so again."""
    _glazer_runs_a_night(store, datetime(2027, 5, 4, 22, tzinfo=IST), units_after_hours=(1, 3))
    window = ["--from", "2027-05-04T00:00Z", "--to", "2027-05-06T00:00Z", "--plant", str(KILN), "--db", db_url(store)]
    shifts = ["--by", "shift", "--shifts", "a=06:00-14:00,b=14:00-22:00,c=22:00-06:00", "--json"]
    result = runner.invoke(top, ["oee", *shifts, *window])
    assert result.exit_code == 0, result.output
    busy = {f["key"]: (f["planned_busy_s"], f["produced"]) for f in json.loads(result.output)["items"]}
    assert busy["2027-05-04 c"] == (8 * 3600, 2)
    assert sum(s for s, _ in busy.values()) == 8 * 3600
    result = runner.invoke(top, ["oee", "--by", "day", "--json", *window])
    days = {f["key"]: (f["planned_busy_s"], f["produced"]) for f in json.loads(result.output)["items"]}
    assert (days["2027-05-04"], days["2027-05-05"]) == ((2 * 3600, 1), (6 * 3600, 1))
    after_the_night = ["oee", "--by", "day", "--from", "2027-05-05T06:00+05:30", *window[2:]]
    assert "no equipment state known" in runner.invoke(top, after_the_night).output  # past its newest reading
    still_idle = datetime(2027, 5, 5, 23, tzinfo=IST)
    store.write(Batch(states=[StateChangeRow(to_us(still_idle), "kiln-site", GLAZER, "idle", None, "plc", 9)]))
    idle = runner.invoke(top, after_the_night).output
    assert "no planned busy time" in idle
    assert "0.0%" not in idle
    for overlapping, named in (("a=06:00-14:00,b=13:00-22:00", "a and b"), ("c=22:00-06:00,a=05:00-14:00", "c and a")):
        refused = runner.invoke(top, ["oee", "--by", "shift", "--shifts", overlapping, *window])
        assert isinstance(refused.exception, FactoryosError)
        assert f"{named} overlap" in str(refused.exception)  # a unit made in both would count twice


def test_oee_by_shift_with_the_plant_follows_its_calendars(store):
    """The glazer runs Friday night 22:00-06:00 at the site, when its calendar plans no shift (night shift c
    runs Sunday to Thursday): by the plant's calendars that is overtime, outside its shifts, 2 h on the site's 7th
    and 6 h on its 8th with the unit counted at 23:00 on the 7th; by fixed daily shifts it is shift c."""
    _glazer_runs_a_night(store, datetime(2027, 5, 7, 22, tzinfo=IST), units_after_hours=(1,))
    window = ["--from", "2027-05-07T00:00+05:30", "--to", "2027-05-09T00:00+05:30", "--plant", str(KILN)]
    by_calendar = runner.invoke(top, ["oee", "--by", "shift", "--json", *window, "--db", db_url(store)])
    assert by_calendar.exit_code == 0, by_calendar.output
    overtime = {f["key"]: (f["planned_busy_s"], f["good"]) for f in json.loads(by_calendar.output)["items"]}
    assert overtime == {"2027-05-07 outside shifts": (2 * 3600, 1), "2027-05-08 outside shifts": (6 * 3600, 0)}
    week_before = ["--from", "2027-04-30T00:00+05:30", "--to", "2027-05-02T00:00+05:30", "--plant", str(KILN)]
    table = runner.invoke(top, ["oee", "--by", "shift", *week_before, "--db", db_url(store)])
    assert "no equipment state known from 2027-04-29 18:30 to 2027-05-01 18:30 UTC" in table.output
    unknown = runner.invoke(top, ["oee", "--line", "kilnz", *window, "--db", db_url(store)])
    assert "--line 'kilnz': " in str(unknown.exception)
    assert "has no such work center" in str(unknown.exception)
    named = [
        json.loads(runner.invoke(top, ["oee", "--line", line, "--json", *window, "--db", db_url(store)]).output)
        for line in ("glaze-a", "finishing/glaze-a", "kiln-site/finishing/glaze-a")
    ]
    assert named[0]["items"]
    assert named[1] == named[0] == named[2]  # by id, as the demo prints it (area/work center), or by path
    fixed = ["--shifts", "c=22:00-06:00", "--db", db_url(store)]
    by_fixed = runner.invoke(top, ["oee", "--by", "shift", "--json", *window, *fixed])
    [night] = [f for f in json.loads(by_fixed.output)["items"] if f["key"] == "2027-05-07 c"]
    assert (night["planned_busy_s"], night["good"]) == (8 * 3600, 1)


@pytest.mark.parametrize(
    ("by", "days", "message"),
    [
        ("week", 1, "OEE by 'week': expected one of equipment, line, shift, day"),
        ("day", 3654, "at most 3,653 days"),
        ("shift", 3654, "at most 3,653 days"),
        ("day", 0, "start must be before its end"),
    ],
)
def test_an_oee_query_says_what_it_cannot_answer(by, days, message):
    with pytest.raises(FactoryosError, match=message):
        OeeQuery(T0, T0 + timedelta(days=days), 60.0, by)


def test_oee_by_equipment_may_span_more_than_ten_years():
    assert OeeQuery(T0, T0 + timedelta(days=5000), 60.0).by == "equipment"


def test_ingest_needs_a_source():
    result = runner.invoke(top, ["ingest"])
    assert isinstance(result.exception, FactoryosError)


def test_ingest_says_what_it_stored_and_what_it_skipped_as_a_redelivery(store, monkeypatch):
    moved: Counter[str] = Counter()

    def run(engine, request, stop, duration, on_started):
        return iot_service.Ingested(Stats(received=5, stored_rows=4, duplicates=1), moved)

    monkeypatch.setattr(iot_service, "ingest", run)
    result = runner.invoke(top, ["ingest", "--broker", "mqtt://127.0.0.1:1", "--db", db_url(store)])
    assert result.exit_code == 0, result.output
    assert "5 messages, 4 readings stored, 1 skipped as already stored, 0 dead letters" in result.output
    assert "orders moved" not in result.output  # not following the desk
    following = ["ingest", "--broker", "mqtt://127.0.0.1:1", "--orders", "--plant", str(KILN), "--db", db_url(store)]
    assert "no order moved: no work for a stored order began or finished" in runner.invoke(top, following).output
    moved.update({"built": 2, "in-production": 3})
    assert "orders moved: 2 built, 3 in-production" in runner.invoke(top, following).output


def test_following_orders_needs_the_plant(store):
    result = runner.invoke(top, ["ingest", "--broker", "mqtt://127.0.0.1:1", "--orders", "--db", db_url(store)])
    assert isinstance(result.exception, FactoryosError)
    assert "--orders needs --plant" in str(result.exception)


def test_retention_shows_the_settings_without_making_a_database_and_refuses_a_series_without_days(tmp_path):
    url = f"sqlite:///{tmp_path / 'never.db'}"
    shown = runner.invoke(top, ["iot", "retention", "--db", url])
    assert "no such database" in str(shown.exception)
    refused = runner.invoke(top, ["iot", "retention", "measurements", "--db", url])
    assert "give the days to keep" in str(refused.exception)
    assert not list(tmp_path.glob("never.db*"))


@pytest.mark.parametrize("days", ["nan", "inf", "-inf", "0", "-3", "1e9"])
def test_retention_refuses_nan_infinity_and_absurd_days(store, days):
    result = runner.invoke(top, ["iot", "retention", "--db", db_url(store), "--", "measurements", days])
    assert isinstance(result.exception, FactoryosError), result.output
    assert "days to keep" in str(result.exception)
    assert store.retention()["measurements"] == 30  # unchanged


def test_dead_letters_have_a_retention_and_a_row_cap(store):
    result = runner.invoke(top, ["iot", "retention", "dead_letters", "7", "--max-rows", "5", "--db", db_url(store)])
    assert result.exit_code == 0, result.output
    assert "5 per channel" in result.output
    assert store.retention()["dead_letters"] == 7
    flooding = Pipeline(store, PipelineSettings(max_payload_bytes=1024, rollup_every_s=0)).start()
    for i in range(12):
        flooding.submit(Inbound("mqtt", "factoryos/ev/body/line-1/press/measurement", b"garbage %d" % i))
    assert flooding.wait_idle()
    flooding.stop()
    assert [d["raw"] for d in iot_service.dead_letters(store.engine)] == [b"garbage %d" % i for i in range(11, 6, -1)]
    assert runner.invoke(top, ["iot", "prune", "--db", db_url(store)]).exit_code == 0


def test_a_flood_of_megabyte_garbage_keeps_a_bounded_part_of_each(store):
    """What is kept of a dead letter is bounded (its first 64 KiB, its length and hash), so a flood of large
    garbage messages cannot fill the disk; the cap on their number bounds the rest."""
    store.set_retention("dead_letters", max_rows=3)
    pipeline = Pipeline(store, PipelineSettings(rollup_every_s=0)).start()
    floods = [bytes([65 + i]) * (1 << 20) for i in range(6)]
    for payload in floods:
        pipeline.submit(Inbound("mqtt", "factoryos/ev/body/line-1/press/measurement", payload))
    assert pipeline.wait_idle()
    pipeline.stop()
    with Session(store.engine) as session:
        kept = session.execute(select(DeadLetter.raw, DeadLetter.raw_length, DeadLetter.raw_sha256)).all()
    assert len(kept) == 3
    assert sum(len(raw) for raw, _, _ in kept) <= 3 * 64 * 1024
    for raw, length, digest in kept:
        [whole] = [p for p in floods if p.startswith(raw)]
        assert length == len(whole) == 1 << 20
        assert digest == hashlib.sha256(whole).hexdigest()
    assert "exceeds" in iot_service.dead_letters(store.engine)[0]["reason"]


def test_oee_by_day_over_an_absurd_range_is_refused(store):
    window = ["--from", "0001-01-01T00:00:00+00:00", "--to", "9999-12-31T00:00:00+00:00", "--db", db_url(store)]
    for by in ("day", "shift"):
        result = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--by", by, *window])
        assert isinstance(result.exception, FactoryosError), result.output
        assert "at most 3,653 days" in str(result.exception)


def test_stats_counts_the_rows_of_each_kind(store):
    pipeline = Pipeline(store).start()
    topic = "factoryos/ev/body/line-1/press/"
    bodies = [
        ("measurement", {"seq": 1, "name": "force", "value": 1.0, "unit": "kN"}),
        ("measurement", {"seq": 2, "name": "force", "value": 2.0, "unit": "kN"}),
        ("state", {"seq": 3, "state": "running"}),
        ("count", {"seq": 4, "good": 3}),
        ("operation", {"seq": 5, "work_order": "w1", "operation": "op", "phase": "started"}),
        ("test", {"seq": 6, "serial": "s1", "test": "eol", "result": "pass"}),
        ("alarm", {"seq": 7, "code": "E1"}),
        ("alarm", {"seq": 8, "code": "E2"}),
    ]
    for kind, body in bodies:
        pipeline.submit(Inbound("mqtt", topic + kind, json.dumps(body).encode()))
    pipeline.submit(Inbound("mqtt", topic + "measurement", b"not json"))
    assert pipeline.wait_idle()
    pipeline.stop()
    result = runner.invoke(top, ["iot", "stats", "--json", "--db", db_url(store)])
    assert result.exit_code == 0, result.output
    expected = {"measurements": 2, "states": 1, "counts": 1, "operations": 1, "tests": 1, "alarms": 2}
    assert json.loads(result.output) == expected | {"dead_letters": 1}
    table = runner.invoke(top, ["iot", "stats", "--db", db_url(store)])
    assert "measurements" in table.output
    assert "dead_letters" in table.output


def test_opcua_nodes_are_read_from_yaml_and_a_broken_file_is_one_line(tmp_path):
    nodes = tmp_path / "nodes.yaml"
    nodes.write_text('- {node_id: "ns=2;i=7", equipment: ev/body/line-1/press, name: temperature, unit: degC}\n')
    (node,) = iot_service.opcua_nodes(nodes)
    assert (node.node_id, node.equipment, node.kind) == ("ns=2;i=7", PRESS, "measurement")
    nodes.write_text("- {node_id: x\n  bad: [\n")
    with pytest.raises(FactoryosError, match="expected a list of") as refused:
        iot_service.opcua_nodes(nodes)
    assert "\n" not in str(refused.value)
    assert "line 2" in str(refused.value)


@pytest.mark.parametrize("cycle", ["nan", "inf", "-1", "0", "1e308"])
def test_an_ideal_cycle_that_is_not_a_positive_finite_time_is_refused(tmp_path, cycle):
    window = ["--from", "2027-01-04T00:00:00+00:00", "--to", "2027-01-05T00:00:00+00:00"]
    result = runner.invoke(top, ["oee", "--ideal-cycle", cycle, *window, "--db", f"sqlite:///{tmp_path / 'o.db'}"])
    assert isinstance(result.exception, FactoryosError)
    assert str(result.exception) == f"--ideal-cycle must be more than 0 and at most a day, got {float(cycle):g} s"


def test_a_window_that_made_nothing_has_no_quality_rate():
    """Quality is good over produced: with nothing produced there is none, not 0 %."""
    running = Oee("night", 3600.0, 3600.0, 0.0, 0.0, 0.0, Losses(starved_s=3600.0))
    cells = iot._oee_cells(running)
    assert cells[:4] == ("100.0%", "0.0%", "-", "[bold]0.0%[/]")
    made = Oee("day", 3600.0, 3600.0, 1800.0, 10.0, 9.0, Losses())
    assert iot._oee_cells(made)[2] == "90.0%"


def test_iot_gaps_lists_the_sources_that_lost_messages(store):
    rows = [
        CountRow(to_us(datetime(2027, 5, 4, 6, tzinfo=UTC)), "s", "s/a/l/m", 1, 0, 0, None, "plc-9", k)
        for k in (1, 2, 5)
    ]
    store.write(Batch(counts=rows))
    listed = runner.invoke(top, ["iot", "gaps", "--json", "--db", db_url(store)])
    assert json.loads(listed.output)["items"] == [{"source": "plc-9", "first": 1, "last": 5, "stored": 3, "missing": 2}]
    text = runner.invoke(top, ["iot", "gaps", "--db", db_url(store)]).output
    assert "2 seqs missing from 1 source" in text


def test_oee_with_nothing_in_its_window_says_when_the_stored_states_run(store):
    """The twin's month is in 2027: `oee` with no window reads the 24 h before now and says where the data is."""
    _glazer_runs_a_night(store, datetime(2027, 5, 7, 22, tzinfo=IST), units_after_hours=(1,))
    shown = runner.invoke(top, ["oee", "--plant", str(KILN), "--db", db_url(store)]).output
    assert "(the 24 h before now: give --from and --to for another window)" in shown
    assert "the stored states run from 2027-05-07 16:30 to 2027-05-08 00:30 UTC" in shown


def test_a_reversed_rollup_window_is_refused(store):
    result = runner.invoke(top, ["iot", "rollup", "--from", "2026-12-02", "--to", "2026-12-01", "--db", db_url(store)])
    assert result.exit_code == 1
    assert "--from 2026-12-02 00:00 is not before --to 2026-12-01 00:00" in str(result.exception)


def _production_h(store, start: datetime, end: datetime) -> float:
    window = ["--from", start.isoformat(), "--to", end.isoformat(), "--db", db_url(store)]
    result = runner.invoke(top, ["oee", "--ideal-cycle", "60", "--json", *window])
    assert result.exit_code == 0, result.output
    [figure] = json.loads(result.output)["items"]
    return figure["production_s"] / 3600


def test_a_window_past_now_stops_at_the_wall_clock(store):
    now = datetime.now(UTC)
    store.write(Batch(states=[StateChangeRow(to_us(now - timedelta(hours=1)), "ev", PRESS, "running", None, "plc", 1)]))
    assert _production_h(store, now - timedelta(hours=2), now + timedelta(hours=2)) == pytest.approx(1, abs=0.05)


def test_a_window_past_now_runs_to_a_simulated_plants_newest_reading(store):
    """A twin's data may be stamped ahead of the wall clock: its own newest reading is its present."""
    ahead = datetime(2030, 1, 7, 6, tzinfo=UTC)
    store.write(
        Batch(
            states=[StateChangeRow(to_us(ahead), "ev", PRESS, "running", None, "twin", 1)],
            counts=[CountRow(to_us(ahead + timedelta(hours=3)), "ev", PRESS, 170, 0, 0, None, "twin", 2)],
        )
    )
    assert _production_h(store, ahead, ahead + timedelta(hours=5)) == 3
    assert _production_h(store, ahead, ahead + timedelta(hours=2)) == 2
