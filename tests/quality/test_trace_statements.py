"""A trace's round trips to the database, counted, on SQLite and PostgreSQL: on a busy server each one costs
milliseconds, so a serial's backward trace is a fixed handful of statements however deep or wide its
genealogy, and a lot's forward trace a fixed handful per five hundred units."""

from __future__ import annotations

from sqlalchemy import event

from factoryos.services.trace import trace_lot, trace_serial

BACKWARD_STATEMENTS = 5
"""The trace settings (PostgreSQL), the links with the operations and tests, the readings, the orders, the holds."""


def statements(engine, trace, item: str) -> list[str]:
    sent: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        trace(engine, item)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return sent


def test_a_backward_trace_takes_as_many_statements_three_levels_deep_as_one(traced):
    deep = statements(traced, trace_serial, "CAR-1")  # a body of a split lot, and a merged lot: three levels
    shallow = statements(traced, trace_serial, "CAR-5")  # one lot
    assert len(deep) == len(shallow) <= BACKWARD_STATEMENTS


def test_a_forward_trace_takes_as_many_statements_for_two_units_as_for_one(traced):
    assert len(statements(traced, trace_lot, "STEEL-1")) == len(statements(traced, trace_lot, "SEAL-1"))
