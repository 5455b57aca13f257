"""A trace's round trips to the database, counted, on SQLite and PostgreSQL: on a busy server each one costs
milliseconds, so a serial's backward trace is a fixed handful of statements however deep or wide its
genealogy, and a lot's forward trace a fixed handful per five hundred units."""

from __future__ import annotations

from factoryos.services.trace import trace_lot, trace_serial

from .history import statements

BACKWARD_STATEMENTS = 6
"""The trace settings (PostgreSQL), the links with the operations and tests, the readings, the orders, whether the
unit was scrapped, the holds."""


def test_a_backward_trace_takes_as_many_statements_three_levels_deep_as_one(traced):
    _, deep = statements(
        traced, lambda: trace_serial(traced, "CAR-1")
    )  # a body of a split lot, and a merged lot: three levels
    _, shallow = statements(traced, lambda: trace_serial(traced, "CAR-5"))  # one lot
    assert len(deep) == len(shallow) <= BACKWARD_STATEMENTS


def test_a_forward_trace_takes_as_many_statements_for_two_units_as_for_one(traced):
    _, two = statements(traced, lambda: trace_lot(traced, "STEEL-1"))
    _, one = statements(traced, lambda: trace_lot(traced, "SEAL-1"))
    assert len(two) == len(one)
