"""Hand-built MRP problems for the planning tests: day k is `START + k`; by default every day is a working day, so a
day is a textbook period."""

from __future__ import annotations

from datetime import date, timedelta

from factoryos.planning.problem import Demand, Item, Problem

START = date(2027, 3, 1)  # a Monday


def day(k: int) -> date:
    return START + timedelta(days=k)


def demands(item: str, gross: list[float]) -> tuple[Demand, ...]:
    """One order per period with a gross requirement, `CO<period>`."""
    return tuple(Demand(f"D{k}", item, day(k), q, "order", f"CO{k}") for k, q in enumerate(gross) if q > 0)


def problem(items: tuple[Item, ...], horizon: int = 8, every_day: bool = True, **parts) -> Problem:
    working = (
        tuple(True for _ in range(horizon + 200))
        if every_day
        else tuple(day(k).weekday() < 5 for k in range(horizon + 200))
    )
    return Problem(START, horizon, working, items, **parts)


TEXTBOOK_GROSS = [10, 15, 25, 0, 30, 10, 20, 5]
"""Gross requirements of an eight-period record in the style of Vollmann et al., Manufacturing Planning and Control
Systems, ch. 6 (the MRP record), with on hand 20 and a scheduled receipt of 30 in period 1."""
