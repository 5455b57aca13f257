"""Orders of stools for the two-cells test plant (tests/data/two-cells.yaml), shared by the lot tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant


def stool_orders(plant: Plant, dues: Sequence[date], each: int = 4) -> list[CustomerOrder]:
    """An order of `each` plain, finished stools due on each of `dues`, placed a minute apart from 10:00 UTC on
    Monday 4 January 2027."""
    ordered = datetime(2027, 1, 4, 10, tzinfo=UTC)
    return [
        CustomerOrder(
            f"CO-{k}",
            plant.site.id,
            "owner",
            "web",
            "stool",
            {"padded": "no", "finish": "on"},
            each,
            ordered + timedelta(minutes=k),
            due,
        )  # fmt: skip
        for k, due in enumerate(dues)
    ]
