"""How big a lot of a part made in lots is for a steady need, one rule for the twin's supermarket and the
scheduler's lots: the plant file's quantity where its rule names one (a fixed lot, a minimum; a multiple makes
about a day's need), else a period order quantity of `periods` days' need or the economic order quantity, as MRP
sizes them."""

from __future__ import annotations

import math

from factoryos.model.plant import Material

DAYS_A_YEAR = 365.0
"""Days of need in a year, for the economic order quantity of a need counted per calendar day."""


def lot_size(material: Material, per_day: float, days_a_year: float = DAYS_A_YEAR) -> int:
    """A lot of `material` for a need of `per_day` on each of `days_a_year` days a year: fixed or minimum as the
    plant file says; a multiple of its quantity making about a day's need; `periods` days of need (period order
    quantity); sqrt(2 x yearly need x order_cost / (unit_cost x carrying_rate)) (economic order quantity); else a
    day's need. Never below one piece."""
    rule = material.lot_size
    if rule.rule == "multiple":
        quantity = rule.quantity or 1.0
        return int(quantity) * max(1, math.ceil(per_day / quantity))
    if rule.quantity:
        return max(1, math.ceil(rule.quantity - 1e-9))
    if rule.rule == "poq":
        size = (rule.periods or 1) * per_day
    elif rule.rule == "eoq" and material.unit_cost > 0:
        yearly = per_day * days_a_year
        size = math.sqrt(2 * yearly * (rule.order_cost or 0.0) / (material.unit_cost * rule.carrying_rate))
    else:
        size = per_day
    return max(1, math.ceil(size - 1e-9))
