"""A unit's makeup (what a hold asks of it) is what its backward trace says, read without the tests and the
links' details: on genealogies of any shape, diamonds and cycles included, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from factoryos.store.genealogy import GenealogyLink, GenealogyOperation, GenealogyTest, backward, makeup

ITEMS = [f"S-{k}" for k in range(6)]
EQUIPMENT = ["site/area/line/cell-1", "site/area/line/cell-2"]

item = st.sampled_from(ITEMS)
links = st.lists(st.tuples(item, item), max_size=12, unique=True)
operations = st.lists(
    st.tuples(
        item,
        st.sampled_from(EQUIPMENT),
        st.integers(0, 50),
        st.one_of(st.none(), st.integers(50, 100)),
    ),
    max_size=10,
)
tested = st.lists(item, max_size=4)


def store(engine, made, worked, tests) -> None:
    with engine.begin() as connection:
        for table in (GenealogyLink, GenealogyOperation, GenealogyTest):
            connection.execute(delete(table))
        if made:
            connection.execute(
                insert(GenealogyLink),
                [
                    {"parent": p, "child": c, "ts_us": k, "equipment": EQUIPMENT[0], "operation": "fit"}
                    for k, (p, c) in enumerate(made)
                ],
            )
        if worked:
            connection.execute(
                insert(GenealogyOperation),
                [
                    {
                        "serial": s,
                        "operation": "op",
                        "work_order": "WO",
                        "equipment": e,
                        "start_us": a,
                        "end_us": b,
                        "quantity": 1,
                    }
                    for s, e, a, b in worked
                ],
            )
        if tests:
            connection.execute(
                insert(GenealogyTest),
                [
                    {
                        "serial": s,
                        "test": "eol",
                        "result": "pass",
                        "equipment": EQUIPMENT[1],
                        "ts_us": 1,
                        "measurements": [{"name": "v", "value": 1.0}],
                    }
                    for s in tests
                ],
            )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=links, worked=operations, tests=tested)
def test_a_makeup_is_the_items_and_visits_of_the_backward_trace(engine, made, worked, tests):
    store(engine, made, worked, tests)
    with engine.connect() as connection:
        for serial in ITEMS:
            found, spans, _ = backward(connection, serial)
            items, visits = makeup(connection, serial)
            assert items == {serial} | {link.child for link in found}
            assert Counter(visits) == Counter((span.equipment, span.start_us, span.end_us) for span in spans)
