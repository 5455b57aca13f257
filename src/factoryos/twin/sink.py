"""Where parts leave the floor: completions (lead time, due dates) and scrap, and the work in process count.

Work in process is the number of parts released and not yet completed or scrapped, integrated over time.
Like throughput and lead time, its average counts only parts released after the warm-up, so the three
describe the same parts and Little's law (WIP = throughput x lead time) can be checked on the output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from simpy import Environment

if TYPE_CHECKING:
    from factoryos.twin.finished_goods import FinishedGoods
    from factoryos.twin.part import Part


@dataclass(slots=True, eq=False)
class Sink:
    """Where parts leave the floor: counts completions and scrap, lead times and due dates met, and the time-average
    work in process after the warm-up."""

    env: Environment
    finished_goods: FinishedGoods | None = None
    warmup: float = 0.0
    completed: int = field(default=0, init=False)
    scrapped_count: int = field(default=0, init=False)
    lead_time_sum: float = field(default=0.0, init=False)
    with_due: int = field(default=0, init=False)
    on_time: int = field(default=0, init=False)
    wip: int = field(default=0, init=False)
    _measured: int = field(default=0, init=False)  # work in process released after the warm-up
    _wip_area: float = field(default=0.0, init=False)
    _last: float = field(default=0.0, init=False)
    by_product: dict[str, int] = field(default_factory=dict, init=False)
    # told of each unit completed (False) or scrapped (True)
    on_leave: Callable[[Part, bool], None] | None = field(default=None, init=False)

    def released(self, part: Part) -> None:
        self._accrue()
        self.wip += 1
        self._measured += part.released >= self.warmup

    def put(self, part: Part) -> None:
        now = self.env.now
        self._accrue()
        self.wip -= 1
        if part.released >= self.warmup:
            self._measured -= 1
            self.completed += 1
            self.lead_time_sum += now - part.released
            if part.due != float("inf"):
                self.with_due += 1
                self.on_time += now <= part.due
            self.by_product[part.product] = self.by_product.get(part.product, 0) + 1
        if self.finished_goods is not None:
            self.finished_goods.receive(part)
        if self.on_leave is not None:
            self.on_leave(part, False)

    def scrapped(self, part: Part) -> None:
        self._accrue()
        self.wip -= 1
        self._measured -= part.released >= self.warmup
        self.scrapped_count += 1
        if self.on_leave is not None:
            self.on_leave(part, True)

    def average_wip(self, now: float) -> float:
        span = now - self.warmup
        return (self._wip_area + self._measured * (now - self._last)) / span if span > 0 else 0.0

    def _accrue(self) -> None:
        now = self.env.now
        if now > self.warmup:
            self._wip_area += self._measured * (now - max(self._last, self.warmup))
        self._last = now
