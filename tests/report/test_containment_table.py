"""The Containment section names a few units of each customer order held and counts the rest, so a hold on a
line that packs orders of a thousand cases stays readable (the full list is `factoryos trace --equipment`)."""

from __future__ import annotations

from datetime import UTC, datetime

from factoryos.quality.genealogy import STATUSES
from factoryos.quality.holds import Hold, HoldScope
from factoryos.report.quality import SHOWN_SERIALS, containment_section

PLACED = datetime(2027, 3, 3, 22, tzinfo=UTC)


def _scope(orders: dict[str, list[str]]) -> dict:
    serials = sorted(s for units in orders.values() for s in units)
    recall = {status: [] for status in STATUSES} | {"in stock": serials}
    recall["orders"] = [{"order": o, "state": "built", "serials": units} for o, units in sorted(orders.items())]
    return {"units": serials, "recall": recall}


def test_an_order_of_many_units_held_is_counted_and_a_small_one_named():
    big = [f"BEV-{n:07d}" for n in range(1, 1201)]
    small = ["BEV-0002001", "BEV-0002002"]
    units = [f"MO0000382-{n}" for n in range(1, 12)]  # a unit order's serials, stored as text: -11 before -2
    scope = _scope({"CO-BIG": big, "CO-SMALL": small, "CO-UNITS": sorted(units)})
    hold = Hold(
        1, HoldScope.EQUIPMENT, "site/area/line-1/filler-1", "spc", "spc-watch", PLACED, start=PLACED, end=PLACED
    )
    section = containment_section([(hold, scope, scope)], "America/Chicago")
    header, rows = section.tables[-1]
    held = {row[0]: row[header.index("units held")] for row in rows}
    assert held["CO-SMALL"] == "BEV-0002001, BEV-0002002"
    assert held["CO-BIG"] == "1,200: BEV-0000001 … BEV-0001200"
    assert held["CO-UNITS"] == "11: MO0000382-1 … MO0000382-11"
    assert len(small) <= SHOWN_SERIALS < len(big)
    held_units = section.count(next(k for k in section.facts if k.endswith("units held")))
    assert held_units == len(big) + len(small) + len(units)
