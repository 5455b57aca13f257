"""No poison: a message the database cannot store, or that conflicts with a stored reading, becomes a dead
letter with its reason, on SQLite and PostgreSQL; it is never retried, and the messages after it are stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from factoryos.iot.messages import Inbound
from factoryos.iot.pipeline import Pipeline, PipelineSettings
from factoryos.store import genealogy
from factoryos.store.tables import DeadLetter, EventRecord
from factoryos.store.telemetry import CountRecord, MeasurementRecord, StateChangeRecord
from factoryos.store.timeseries import TelemetryStore

SITE = "ev"
PRESS = "ev/body/line-1/press"
T0 = 1_795_000_000_000


def message(kind: str, body: dict, equipment: str = PRESS, ack=None) -> Inbound:
    return Inbound("mqtt", f"factoryos/{equipment}/{kind}", json.dumps(body).encode(), ack)


def measurement(seq: int, value: float = 1.0, **changes) -> Inbound:
    body = {"seq": seq, "ts": T0 + seq, "name": "force", "value": value, "unit": "kN"} | changes
    return message("measurement", body)


def rows(engine, record) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(record))


def letters(engine) -> list[DeadLetter]:
    with Session(engine) as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def run(store, messages: list[Inbound], **settings) -> Pipeline:
    pipeline = Pipeline(store, PipelineSettings(**({"max_wait_s": 0.01} | settings))).start()
    for each in messages:
        pipeline.submit(each)
    assert pipeline.wait_idle(60), "the pipeline is stuck on a message"
    pipeline.stop()
    return pipeline


UNSTORABLE = {
    "count past 64 bits": message("count", {"seq": 1, "ts": T0, "good": 2**70}),
    "count past the column's 32 bits": message("count", {"seq": 2, "ts": T0, "good": 2**40}),
    "seq past 64 bits": measurement(2**64),
    "name longer than its column": measurement(3, name="n" * 201),
    "site longer than its column": message(
        "measurement", {"seq": 4, "ts": T0, "name": "force", "value": 1.0, "unit": "kN"}, "s" * 65 + "/body/line"
    ),
    "NUL in a name": measurement(5, name="for\x00ce"),
    "NUL in a state reason": message("state", {"seq": 6, "ts": T0, "state": "down", "reason": "jam\x00"}),
    "NUL in an alarm's source": message("alarm", {"seq": 7, "ts": T0, "code": "E1", "source": "plc\x00"}),
    "timestamp past 2100 in ms": measurement(8, ts=10**17),
    "timestamp in year 9999": measurement(9, ts="9999-12-31T00:00:00+00:00"),
    "value past a double": measurement(10, value=10**400),
}


@pytest.mark.parametrize("case", UNSTORABLE)
def test_a_message_the_database_cannot_store_is_a_dead_letter_and_the_next_one_is_stored(engine, case):
    store = TelemetryStore(engine)
    acked = []
    poison = UNSTORABLE[case]._replace(ack=lambda: acked.append("poison"))
    after = measurement(100)._replace(ack=lambda: acked.append("after"))
    pipeline = run(store, [poison, after])
    assert sorted(acked) == ["after", "poison"]  # both acknowledged: the poison is not redelivered forever
    [letter] = letters(engine)
    assert letter.reason
    assert letter.raw == poison.payload
    assert pipeline.stats.dead_letters == 1
    assert pipeline.stats.store_failures == 0
    assert rows(engine, MeasurementRecord) == 1
    assert rows(engine, CountRecord) == rows(engine, StateChangeRecord) == rows(engine, EventRecord) == 0


class RefusingStore:
    """The real store, except that the database refuses any batch holding a reading named "poison" (as it
    would a value the checks did not foresee)."""

    def __init__(self, store: TelemetryStore) -> None:
        self.store, self.writes = store, 0

    def __getattr__(self, name):
        return getattr(self.store, name)

    def write(self, batch):
        self.writes += 1
        if any(row[3] == "poison" for row in batch.measurements):
            raise DataError("INSERT ...", {}, ValueError("value out of range for its column"))
        return self.store.write(batch)


def test_a_batch_the_database_refuses_is_halved_until_the_refused_messages_are_dead_letters(engine):
    store = RefusingStore(TelemetryStore(engine))
    poisoned = {17, 80, 81}
    messages = [measurement(i, name="poison" if i in poisoned else "force") for i in range(200)]
    pipeline = run(store, messages, batch_size=200, max_wait_s=1.0)
    assert rows(engine, MeasurementRecord) == 200 - len(poisoned)
    refused = letters(engine)
    assert sorted(json.loads(d.raw)["seq"] for d in refused) == sorted(poisoned)
    assert all("refused" in d.reason and "out of range" in d.reason for d in refused)
    assert pipeline.stats.received == 200
    assert pipeline.stats.store_failures == 0
    assert store.writes < 60  # halving, not one write per message


def test_same_source_and_seq_with_another_value_is_a_conflict_an_exact_duplicate_is_not(engine):
    store = TelemetryStore(engine)
    run(store, [measurement(1, 10.0), message("state", {"seq": 2, "ts": T0, "state": "down"})])
    later = [
        measurement(1, 10.0),  # a redelivery: nothing to say
        measurement(1, 11.0),  # the same reading with another value
        message("state", {"seq": 2, "ts": T0, "state": "running"}),
        measurement(3, 5.0),
        measurement(3, 6.0),  # a conflict within one batch
        message("alarm", {"seq": 4, "ts": T0, "code": "E1"}),
        message("alarm", {"seq": 4, "ts": T0, "code": "E2"}),
    ]
    pipeline = run(store, later, batch_size=100, max_wait_s=0.5)
    conflicts = letters(engine)
    assert len(conflicts) == pipeline.stats.dead_letters == 4
    assert all(d.reason.startswith("conflict") for d in conflicts)
    assert {json.loads(d.raw).get("value") for d in conflicts} == {11.0, 6.0, None}
    assert any("value 10.0 -> 11.0" in d.reason for d in conflicts)
    assert any("'down' -> 'running'" in d.reason for d in conflicts)
    with Session(engine) as session:
        assert sorted(session.scalars(select(MeasurementRecord.value))) == [5.0, 10.0]
        assert session.scalars(select(StateChangeRecord.state)).all() == ["down"]
        assert session.scalars(select(EventRecord.payload)).one()["code"] == "E1"


def test_nan_is_a_dead_letter(store):
    nan = Inbound("mqtt", f"factoryos/{PRESS}/measurement", b'{"seq": 1, "name": "force", "value": NaN, "unit": "kN"}')
    run(store, [nan])
    [letter] = letters(store.engine)
    assert "finite" in letter.reason


def test_an_identical_redelivery_is_counted_as_a_duplicate_not_as_stored(engine):
    """Five messages of which one is an identical redelivery (in the same batch or a later one) store four
    rows, and the pipeline says so; a conflicting one is neither stored nor a duplicate."""
    store = TelemetryStore(engine)
    first = run(store, [measurement(1), message("alarm", {"seq": 2, "ts": T0, "code": "E1"})])
    assert (first.stats.stored_rows, first.stats.duplicates) == (2, 0)
    later = [
        measurement(1),  # stored in the first run
        measurement(3),
        measurement(3),  # twice in this batch
        measurement(4),
        message("alarm", {"seq": 2, "ts": T0, "code": "E1"}),  # stored in the first run
        message("alarm", {"seq": 5, "ts": T0, "code": "E1"}),
        measurement(4, value=9.0),  # a conflict
    ]
    pipeline = run(store, later, batch_size=100, max_wait_s=0.5)
    assert (pipeline.stats.stored_rows, pipeline.stats.duplicates, pipeline.stats.dead_letters) == (3, 3, 1)
    assert rows(engine, MeasurementRecord) + rows(engine, EventRecord) == 2 + 3


def operation(seq: int, serial: str, *consumed: str) -> Inbound:
    body = {"seq": seq, "ts": T0 + seq, "work_order": "WO-1", "operation": "assemble", "phase": "started",
            "serial": serial, "consumed_lots": list(consumed)}  # fmt: skip
    return message("operation", body)


def test_a_consumption_that_would_make_a_unit_contain_itself_is_a_dead_letter(engine):
    """A loop in the genealogy (a unit consuming itself, or what already contains it, across batches or within
    one) would leave a forward trace with no unit to recall: the message is refused with why, the rest kept."""
    store = TelemetryStore(engine)
    run(store, [operation(1, "CAR-1", "BODY-1", "LOT-7"), operation(2, "BODY-1", "STEEL-1")])
    later = [
        operation(3, "STEEL-1", "CAR-1"),  # steel made of the car that contains it, a batch later
        operation(4, "CAR-2", "BODY-2", "LOT-7"),  # a lot shared with another car: no loop
        operation(5, "X", "Y"),
        operation(6, "Y", "Z"),
        operation(7, "Z", "X"),  # a loop closed within the batch
        operation(8, "S", "S"),
    ]
    pipeline = run(store, later, batch_size=100, max_wait_s=0.5)

    refused = {json.loads(d.raw)["seq"]: d.reason for d in letters(engine)}
    assert pipeline.stats.dead_letters == len(refused) == 3
    assert refused[3] == "STEEL-1 consumes CAR-1, which already contains STEEL-1: a unit cannot contain itself"
    assert refused[7] == "Z consumes X, which already contains Z: a unit cannot contain itself"
    assert "serial 'S' consumes itself" in refused[8]
    assert rows(engine, EventRecord) == 5
    with Session(engine) as session:
        connection = session.connection()
        assert genealogy.containing(connection, "STEEL-1") == {"STEEL-1": False, "BODY-1": False, "CAR-1": True}
        assert genealogy.containing(connection, "LOT-7") == {"LOT-7": False, "CAR-1": True, "CAR-2": True}
        assert genealogy.containing(connection, "Z") == {"Z": False, "Y": False, "X": True}
