"""How figures read in words, alike in the report, the demo's console and the CLI."""

import math
from collections.abc import Mapping, Sequence
from typing import Any

from factoryos.quality.genealogy import STATUSES


def counted(n: float, noun: str, plural: str = "") -> str:
    """A count as a person reads it: thousands separated and the noun in the number it takes ("1 run",
    "4,887 orders", "2.5 days"); `plural` for a noun that does not take an s."""
    number = f"{n:,}" if isinstance(n, int) else f"{n:,g}"
    return f"{number} {noun if n == 1 else plural or noun + 's'}"


def hours(value: float) -> str:
    """A span read in hours, or in minutes under an hour (a unit through a fast cell: "4 min", not "0.1 h")."""
    if value >= 1 or value == 0:
        return f"{value:,.1f} h"
    minutes = value * 60
    return f"{minutes:.0f} min" if minutes >= 0.5 else "under a minute"


def share(value: float | None) -> str:
    """A share in percent with one decimal; "-" where there is none (a yield of nothing tested is not 100 %)."""
    return "-" if value is None or math.isnan(value) else f"{value:.1%}"


def listed(names: Sequence[str], shown: int = 5) -> str:
    """Names in running text: all of a few, else the first `shown` and how many more ("a, b and 3 more")."""
    if len(names) > shown:
        return f"{', '.join(names[:shown])} and {len(names) - shown:,} more"
    if len(names) > 1:
        return f"{', '.join(names[:-1])} and {names[-1]}"
    return "".join(names)


def by_status(recall: Mapping[str, Any]) -> str:
    """A recall scope's units by status, in words ("9 shipped, 2,405 in stock, 392 in process, 3 scrapped")."""
    return ", ".join(f"{len(recall[status]):,} {status}" for status in STATUSES)


def scrapped(units: int, cost: float, currency: str = "", decimals: int = 0) -> str:
    """Scrap in words, its cost named for what it is: "67 units scrapped, 70,412 in material"."""
    return f"{counted(units, 'unit')} scrapped, {currency}{cost:,.{decimals}f} in material"


def reworked(units: int, spent_hours: float, cost: float, currency: str = "", decimals: int = 0) -> str:
    """Rework in words: "180 units reworked, 54.0 h, 2,160 in labour"."""
    return f"{counted(units, 'unit')} reworked, {hours(spent_hours)}, {currency}{cost:,.{decimals}f} in labour"
