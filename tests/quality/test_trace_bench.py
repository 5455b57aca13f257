"""`factoryos bench trace` on a tiny generated history, on SQLite and PostgreSQL (COPY): the figures it
promises, forward traces that reach a lot's units, the genealogy emptied afterwards, and a refusal to mix
its history into a genealogy that already has one. Speed itself is measured, never asserted."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from factoryos.bench.trace import History, trace_benchmark
from factoryos.model.errors import FactoryosError
from factoryos.services.trace import trace_lot, trace_serial
from factoryos.store.genealogy import GenealogyLink

TRACES = (trace_serial, trace_lot)


def links(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(GenealogyLink)).scalar_one()


def test_the_benchmark_reports_its_figures_and_leaves_the_genealogy_empty(engine):
    figures = trace_benchmark(engine, 1200, 10, TRACES, (5, 3))
    assert set(figures) >= {"serials", "components", "backward_ms_p99", "forward_ms_p99", "load_seconds"}
    assert (figures["serials"], figures["components"], figures["links"]) == (1200, 10, 1200 * 11)
    assert 0 < figures["forward_units_mean"] <= 1000
    assert links(engine) == 0


def test_the_generated_history_traces_as_it_is_described(engine):
    trace_benchmark(engine, 1200, 10, TRACES, (1, 1), keep=True)
    history = History(1200, 10)
    unit = trace_serial(engine, history.unit(7))
    kinds = sorted(c["kind"] for c in unit["components"])
    assert kinds == ["lot"] * 10 + ["serial"]  # 9 lots and a sub-assembly with a lot of its own
    assert unit["order"]["customer_order"] == "BENCH-TRACE-0"
    lot = history.lot(0, 7)
    assert history.unit(7) in trace_lot(engine, lot)["units"]
    assert len(trace_lot(engine, lot)["units"]) <= 1000
    with pytest.raises(FactoryosError, match="genealogy is empty"):
        trace_benchmark(engine, 10, 10, TRACES)
    assert trace_benchmark(engine, 1200, 10, TRACES, (1, 1), keep=True, reuse=True)["load_seconds"] is None
    with pytest.raises(FactoryosError, match="holds 13,200 links, not the 110 of this history"):
        trace_benchmark(engine, 10, 10, TRACES, reuse=True)
