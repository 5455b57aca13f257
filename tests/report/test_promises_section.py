"""What held the promises back, counted per bought part or work center however the reasons' dates differ: on
tests/data/open-po-plant.yaml, smart widgets take a chip (10 on order, due 11 January 2027; more are 40 days
away); plain ones take only bolts, which are in stock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from factoryos.c2m.replay import quote_book
from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.report.promises import promises_section

PLANT_FILE = Path(__file__).parents[1] / "data" / "open-po-plant.yaml"


def _placed(brains: list[str], requested: date | None = None):
    """Orders of four widgets each, asked for on `requested` (default: at once), promised in turn as the order desk
    promises them."""
    plant = load_plant(PLANT_FILE)
    ordered = datetime(2027, 1, 4, 10, tzinfo=UTC)
    orders = [
        CustomerOrder(
            f"CO-{k}",
            "opo-site",
            "owner",
            "shop",
            "widget",
            {"brain": b},
            4,
            ordered + timedelta(minutes=k),
            requested or ordered.date(),
        )
        for k, b in enumerate(brains)
    ]
    quotes = quote_book(plant, orders)
    return plant, [(replace(o, promised_date=quotes[o.id].promised), quotes[o.id]) for o in orders]


def test_the_promises_held_back_by_one_part_count_together_whatever_brings_it():
    plant, placed = _placed(["smart", "plain", "smart", "plain", "smart"])
    reasons = {quote.constraint for _, quote in placed}
    assert len({r for r in reasons if r.startswith("chip: ")}) == 2  # PO-C1 for two orders, a new buy for the third
    section = promises_section(plant, placed)
    held_back = dict(section.tables[1][1])
    assert held_back["chip"] == "3"
    assert sum(int(n) for n in held_back.values()) == len(placed)
    assert section.facts["binding most often"] == "chip"
    detail = dict(section.tables[2][1])
    assert sum(int(n) for r, n in detail.items() if r.startswith("chip: ")) == 3


def test_orders_promised_for_a_later_day_asked_count_apart_from_what_set_the_others_dates():
    """Asked for 8 January: plain widgets (bolts in stock) could be built sooner and are promised that day;
    smart ones wait for the chips due 11 January."""
    plant, placed = _placed(["plain", "smart", "plain"], requested=date(2027, 1, 8))
    assert [order.promised_date for order, _ in placed] == [date(2027, 1, 8), date(2027, 1, 11), date(2027, 1, 8)]
    section = promises_section(plant, placed)
    assert section.facts["with time to spare"] == 2
    assert section.facts["binding most often"] == "chip"
    assert dict(section.tables[1][1]) == {"chip": "1"}
    assert "2 could have been built earlier and were promised for the day asked" in section.text
    spared = promises_section(*_placed(["plain", "smart"], requested=date(2027, 2, 1)))
    assert (spared.facts["with time to spare"], spared.facts["binding most often"]) == (2, "-")
    assert len(spared.tables) == 1  # nothing set a date other than the one asked for: no table of what did
    spare = spared.figures[0].data[0].x  # the plant could build them days before the 1 February they asked for
    assert len(spare) == 2
    assert max(spare) < 0
