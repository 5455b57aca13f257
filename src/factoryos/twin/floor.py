"""The floor: one SimPy environment with its equipment, buffers, crews and transports, built and then run.

The floor hands every piece of equipment its own random stream (named after it, from the run's seed) and
the publisher, so that building a twin is a few calls and the same seed always gives the same run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from simpy import Environment

from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.twin.batch import BatchStation
from factoryos.twin.buffer import Buffer
from factoryos.twin.calendar import ShiftCalendar
from factoryos.twin.distributions import Duration, stream
from factoryos.twin.equipment import Equipment
from factoryos.twin.finished_goods import FinishedGoods
from factoryos.twin.metrics import RunMetrics, bottleneck, equipment_metrics, line_oee, shortage_hours
from factoryos.twin.operators import Crew
from factoryos.twin.paced_line import PacedLine
from factoryos.twin.part import Part
from factoryos.twin.publisher import Publisher
from factoryos.twin.quarantine import Covers, Quarantine
from factoryos.twin.sink import Sink
from factoryos.twin.source import Source
from factoryos.twin.station import Station
from factoryos.twin.transport import AgvFleet, Conveyor

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, 00:00 UTC: calendars count weeks from here
_COUNTERS = ("completed", "good", "scrap", "rework", "failures", "ideal_seconds", "active_sum", "active_count")


class Floor:
    """The simulated shop floor: its SimPy environment, equipment, buffers, crews, transport and sources, with one
    random stream per named purpose from `seed`."""

    def __init__(
        self,
        seed: int = 0,
        *,
        site: str = "twin",
        bus: EventBus | None = None,
        epoch: datetime = EPOCH,
        source: str = "twin",
        warmup: float = 0.0,
    ) -> None:
        self.env = Environment()
        self.seed = seed
        self.site = site
        self.warmup = warmup
        self.epoch = epoch
        self.quarantine: Quarantine | None = None
        self.publisher = Publisher(bus, site, epoch, source) if bus is not None else None
        self.finished_goods = FinishedGoods(self.env)
        self.sink = Sink(self.env, self.finished_goods, warmup)
        self.equipment: dict[str, Equipment] = {}
        self.buffers: dict[str, Buffer] = {}
        self.crews: dict[str, Crew] = {}
        self.conveyors: dict[str, Conveyor] = {}
        self.agvs: dict[str, AgvFleet] = {}
        self.sources: list[Source] = []
        self.lot_samples: dict[tuple[str, str, str, str], int] = {}
        """Units of each lot measured per (operation, test, characteristic, lot), shared by every station:
        parallel testers of one operation sample a lot N times in all, not N times each."""

    def rng(self, name: str) -> Any:
        return stream(self.seed, name)

    def buffer(self, name: str, capacity: float = float("inf")) -> Buffer:
        if capacity < 0:
            raise FactoryosError(f"buffer {name}: capacity must be >= 0, got {capacity}")
        return self._register(self.buffers, name, Buffer(self.env, name, capacity))

    def crew(self, name: str, headcount: int, calendar: ShiftCalendar, stations: int | None = None) -> Crew:
        return self._register(self.crews, name, Crew(self.env, name, headcount, calendar, stations))

    def station(self, name: str, inbox: Buffer, **options: Any) -> Station:
        return self._equip(Station, name, inbox, options)

    def paced_line(self, name: str, inbox: Buffer, positions: int, takt: float, **options: Any) -> PacedLine:
        return self._equip(PacedLine, name, inbox, dict(options, positions=positions, takt=takt))

    def batch_station(self, name: str, inbox: Buffer, batch_size: int, **options: Any) -> BatchStation:
        return self._equip(BatchStation, name, inbox, dict(options, batch_size=batch_size))

    def conveyor(self, name: str, travel: Duration | None) -> Conveyor:
        return self._register(self.conveyors, name, Conveyor(self.env, name, travel, self.sink, self.rng(name)))

    def agv_fleet(self, name: str, vehicles: int, loaded: Duration, empty: Duration) -> AgvFleet:
        fleet = AgvFleet(self.env, name, vehicles, loaded, empty, self.sink, self.rng(name))
        return self._register(self.agvs, name, fleet)

    def source(self, releases: Iterable[tuple[float, Part]]) -> Source:
        source = Source(self.env, self.sink, releases)
        self.sources.append(source)
        return source

    def contain(self, covers: Covers) -> Quarantine:
        """Obey holds: every piece of equipment tells the quarantine of its operations, and finished goods keep
        the units it holds back."""
        quarantine = self.quarantine = Quarantine(covers, self.epoch)
        for equipment in self.equipment.values():
            equipment.quarantine = quarantine
        self.finished_goods.quarantine = quarantine
        return quarantine

    def run(self, until: float | None = None) -> RunMetrics:
        """Run to `until` seconds (or until nothing is left to happen) and measure from the warm-up on."""
        if until is not None and not until > self.warmup:
            raise FactoryosError(f"run length {until} s must exceed the warm-up {self.warmup} s")
        env = self.env
        baseline: dict[str, tuple[list[float], dict[str, float]]] = {}
        if self.warmup > 0:
            env.run(until=self.warmup)
            baseline = {name: self._snapshot(e) for name, e in self.equipment.items()}
            self.finished_goods.restart()
        env.run(until=until)
        if self.publisher is not None:
            publishing = dict.fromkeys(e.path for e in self.equipment.values() if e.publisher is not None)
            self.publisher.stream_ends(env.now, publishing)
            self.publisher.flush()
        return self.measure(env.now, baseline)

    def measure(self, now: float, baseline: dict[str, tuple[list[float], dict[str, float]]]) -> RunMetrics:
        span = now - self.warmup
        equipment = []
        for name, e in self.equipment.items():
            times, counts = self._snapshot(e)
            if name in baseline:
                before_times, before_counts = baseline[name]
                times = [a - b for a, b in zip(times, before_times, strict=True)]
                counts = {k: counts[k] - before_counts[k] for k in counts}
            equipment.append(equipment_metrics(name, e.path, e.line, times, counts))
        sink = self.sink
        fg = self.finished_goods
        return RunMetrics(
            horizon=span,
            completed=sink.completed,
            scrapped=sink.scrapped_count,
            throughput=sink.completed / span,
            avg_wip=sink.average_wip(now),
            avg_lead_time=sink.lead_time_sum / sink.completed if sink.completed else 0.0,
            on_time_rate=(
                fg.on_time_rate(self.warmup, now)
                if fg.taken
                else (sink.on_time / sink.with_due if sink.with_due else None)
            ),
            labour_hours=sum(c.labour_hours(now) - c.labour_hours(self.warmup) for c in self.crews.values()),
            fg_inventory_avg=fg.average_level(now),
            units_shipped=fg.shipped,
            avg_order_lead_time=fg.order_lead_sum / fg.shipped if fg.shipped else None,
            bottleneck=bottleneck(equipment),
            equipment=equipment,
            line_oee=line_oee(equipment),
            by_product=dict(sink.by_product),
            buffers={name: b.average_level(now) for name, b in self.buffers.items()},
            open_backorders=fg.backorders,
            material_shortage_hours=shortage_hours(equipment, span),
            events_published=self.publisher.published if self.publisher is not None else 0,
        )

    def _snapshot(self, e: Equipment) -> tuple[list[float], dict[str, float]]:
        e.close(self.env.now)
        return list(e.state_time), {k: getattr(e, k) for k in _COUNTERS}

    def _equip(self, kind: type, name: str, inbox: Buffer, options: dict[str, Any]) -> Any:
        options.setdefault("publisher", self.publisher)
        options.setdefault("quarantine", self.quarantine)
        options.setdefault("lot_samples", self.lot_samples)
        equipment = kind(self.env, name, inbox, self.sink, self.rng(name), **options)
        return self._register(self.equipment, name, equipment)

    @staticmethod
    def _register(registry: dict[str, Any], name: str, thing: Any) -> Any:
        if name in registry:
            raise FactoryosError(f"{name!r} is defined twice")
        registry[name] = thing
        return thing
