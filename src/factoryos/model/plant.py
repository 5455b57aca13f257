"""The plant file: equipment, materials, BOMs, routings, configurable products, suppliers, partners.

One validated `Plant` feeds every stage. The classes follow ISA-95 (IEC 62264): Enterprise > Site > Area >
WorkCenter (line, cell) > WorkUnit; MaterialDefinition with its bill of materials; a routing of process
segments (operations) per made material. Structural rules live on the fields; rules that relate one part of
the file to another (references, cycles, reachability) live in `factoryos.model.validate`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from factoryos.model.units import PHYSICAL_MINIMUM, UNITS

# Bounds keep every figure storable (64-bit floats, 32-bit integers, the columns' string lengths) and every
# engine's arithmetic finite: a plant file with a batch of 1e20 or a year of 99999 is a typo, not a plant.
MAX_FIGURE = 1e9
Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)]


def _known_unit(unit: str) -> str:
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; expected one the ingester accepts, such as kN, degC, %RH, mm/s")
    return unit


UnitOfMeasure = Annotated[str, StringConstraints(min_length=1, max_length=24), AfterValidator(_known_unit)]


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    return text


Name = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
Text = Annotated[str, StringConstraints(max_length=2000), AfterValidator(_no_nul)]


def _not_a_boolean(value: object) -> object:
    """YAML reads `true` and `false` as booleans, which pydantic would take as 1 and 0: a `quantity: true` is a
    slip in the file, not a quantity of one."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")
    return value


Number = Annotated[float, BeforeValidator(_not_a_boolean)]
WholeNumber = Annotated[int, BeforeValidator(_not_a_boolean)]
"""Every figure of a plant file is one of these two, so that none takes a boolean."""
Positive = Annotated[Number, Field(gt=0, le=MAX_FIGURE)]
NonNegative = Annotated[Number, Field(ge=0, le=MAX_FIGURE)]
Share = Annotated[Number, Field(ge=0, le=1)]
Minutes = Annotated[Number, Field(ge=0, le=43_200)]
"""A setup or run time: at most 30 days."""
Hours = Annotated[Number, Field(gt=0, le=1_000_000)]
Days = Annotated[Number, Field(ge=0, le=3650)]
Count = Annotated[WholeNumber, Field(ge=0, le=1_000_000)]


def _plausible_year(day: date) -> date:
    if not 1970 <= day.year <= 2200:
        raise ValueError(f"year {day.year} is outside 1970-2200")
    return day


PlantDate = Annotated[date, AfterValidator(_plausible_year)]
Condition = dict[Id, list[Id]]
"""Option family -> the options that satisfy it; every family listed must match (an AND of ORs)."""


class Part(BaseModel):
    """Base of every part of a plant file: unknown fields and non-finite numbers are refused."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Weekday(StrEnum):
    """A day of the week as a plant file writes it (`mon` .. `sun`)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


WEEKDAYS = list(Weekday)


class Enterprise(Part):
    """The company that owns the site (ISA-95 enterprise)."""

    id: Id
    name: Name


class Site(Part):
    """The plant's site, with the IANA timezone its calendars are written in."""

    id: Id
    name: Name
    timezone: str = "UTC"
    location: Text = ""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {name!r}; expected an IANA name such as Europe/Berlin") from None
        return name


class SensorLimits(Part):
    """What a sensor's readings may be: their unit and plausible range; an ingester given the plant file
    dead-letters a reading of that sensor outside them. With both ends of the range the twin simulates the
    sensor: healthy readings around `nominal` (default the middle of the range), drifting before a failure,
    read once a cycle or every `every_seconds`."""

    unit: UnitOfMeasure | None = None
    low: Number | None = None
    high: Number | None = None
    nominal: Number | None = None
    every_seconds: Number | None = Field(None, gt=0, le=86_400)

    @model_validator(mode="after")
    def _ordered(self) -> SensorLimits:
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        if self.nominal is not None and not (
            (self.low is None or self.low <= self.nominal) and (self.high is None or self.nominal <= self.high)
        ):
            raise ValueError(f"nominal {self.nominal:g} is outside low .. high")
        return self


class EquipmentClass(Part):
    """What a kind of equipment can do; operations ask for a capability, not a machine. `sensor_limits`
    gives some of its `sensors` a unit and a plausible range."""

    description: Text = ""
    capabilities: list[Id] = Field(min_length=1)
    sensors: list[Id] = Field(default_factory=list)
    sensor_limits: dict[Id, SensorLimits] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _limits_of_its_sensors(self) -> EquipmentClass:
        unknown = sorted(set(self.sensor_limits) - set(self.sensors))
        if unknown:
            raise ValueError(f"sensor_limits for {', '.join(unknown)}, which are not among its sensors")
        return self


class Drift(Part):
    """An assignable cause the twin simulates on a work unit (electrode tip wear on a weld gun, a wearing tool):
    from `after_hours` into the run on, the mean of every characteristic measured on the unit moves by
    `sigmas_per_hour` of its spread an hour (up; down when negative)."""

    after_hours: Annotated[Number, Field(ge=0, le=100_000)] = 0.0
    sigmas_per_hour: Annotated[Number, Field(ge=-100, le=100)]

    @field_validator("sigmas_per_hour")
    @classmethod
    def _moves(cls, rate: float) -> float:
        if rate == 0:
            raise ValueError("a drift of 0 sigmas an hour is no drift; remove it")
        return rate

    def shift(self, hours: float) -> float:
        """How far the mean has moved, in sigmas, `hours` into the run."""
        return max(0.0, hours - self.after_hours) * self.sigmas_per_hour


class WorkUnit(Part):
    """One machine or station (ISA-95 work unit); with MTBF and MTTR it breaks down in the twin, and `speed_factor`
    divides its run times. `drift` makes what it makes drift away from nominal in the twin."""

    name: Name = ""
    equipment_class: Id
    mtbf_hours: Annotated[Number, Field(ge=0.1, le=1_000_000)] | None = None
    """At least 0.1 h: a unit that failed every few seconds would bury the twin in breakdown events."""
    mttr_hours: Hours | None = None
    speed_factor: Annotated[Number, Field(ge=0.01, le=100)] = 1.0
    drift: Drift | None = None

    @model_validator(mode="after")
    def _breakdown_pair(self) -> WorkUnit:
        if (self.mtbf_hours is None) != (self.mttr_hours is None):
            raise ValueError("give both mtbf_hours and mttr_hours, or neither")
        return self


class WorkCenter(Part):
    """A line, cell, paced line or store of work units that share a calendar, a crew and an input buffer."""

    name: Name = ""
    kind: Literal["line", "cell", "paced-line", "storage"] = "cell"
    calendar: Id
    lights_out: bool = False
    operators_per_shift: Annotated[WholeNumber, Field(ge=0, le=10_000)] = 0
    takt_seconds: Annotated[Number, Field(ge=1, le=86_400)] | None = None
    buffer_capacity: Count = 10
    work_units: dict[Id, WorkUnit] = Field(min_length=1)

    @model_validator(mode="after")
    def _paced_line_has_takt(self) -> WorkCenter:
        if self.kind == "paced-line" and self.takt_seconds is None:
            raise ValueError("a paced-line needs takt_seconds")
        if self.lights_out and self.operators_per_shift:
            raise ValueError("a lights-out work center runs without operators (operators_per_shift: 0)")
        return self


class Area(Part):
    """A production area: a group of work centers."""

    name: Name = ""
    work_centers: dict[Id, WorkCenter] = Field(min_length=1)


class Break(Part):
    """A pause inside a shift: its start (time of day) and length in minutes."""

    start: time
    minutes: Annotated[Number, Field(gt=0, le=1440)]


class Shift(Part):
    """A shift on the given weekdays, from `start` to `end` (past midnight if `end` is not after `start`), less its
    breaks."""

    name: Id
    start: time
    end: time
    days: list[Weekday] = Field(default_factory=lambda: WEEKDAYS[:5], min_length=1)
    breaks: list[Break] = Field(default_factory=list)

    @field_validator("days")
    @classmethod
    def _each_day_once(cls, days: list[Weekday]) -> list[Weekday]:
        _listed_once((d.value for d in days), "{names} listed more than once")
        return days

    @field_validator("breaks")
    @classmethod
    def _breaks_inside(cls, breaks: list[Break], info: ValidationInfo) -> list[Break]:
        """A break must fall inside its shift, after its start, and not overlap another: one that does not
        would be silently ignored and the shift planned as worked."""
        if "start" not in info.data or "end" not in info.data:
            return breaks
        start = _hours(info.data["start"])
        length = (_hours(info.data["end"]) - start) % 24 or 24.0
        spans = []
        for pause in breaks:
            begins = (_hours(pause.start) - start) % 24
            ends = begins + pause.minutes / 60
            if not 0 < begins < length or ends > length + 1e-9:
                raise ValueError(
                    f"the break at {pause.start:%H:%M} ({pause.minutes:g} min) is not inside the shift "
                    f"{info.data['start']:%H:%M}-{info.data['end']:%H:%M} (nor at its start)"
                )
            spans.append((begins, ends, pause.start))
        spans.sort()
        for (_, first_end, first), (second_begins, _, second) in zip(spans, spans[1:], strict=False):
            if second_begins < first_end - 1e-9:
                raise ValueError(f"the breaks at {first:%H:%M} and {second:%H:%M} overlap")
        return breaks

    @property
    def length_hours(self) -> float:
        """From start to end; a shift that ends at or before it starts runs past midnight."""
        return (_hours(self.end) - _hours(self.start)) % 24 or 24.0

    def working_offsets(self) -> list[tuple[float, float]]:
        """The (from, to) hours after the shift's start when it works: the shift with its breaks cut out."""
        start, length = _hours(self.start), self.length_hours
        pieces, cursor = [], 0.0
        for pause in sorted(self.breaks, key=lambda b: (_hours(b.start) - start) % 24):
            begins = (_hours(pause.start) - start) % 24
            if cursor < begins < length:
                pieces.append((cursor, begins))
                cursor = min(length, begins + pause.minutes / 60)
        if cursor < length:
            pieces.append((cursor, length))
        return pieces

    @property
    def hours(self) -> float:
        """Working hours, breaks excluded."""
        return sum(end - start for start, end in self.working_offsets())


def _listed_once(names: Iterable[str], complaint: str) -> None:
    """Refuse a list that names something twice: `complaint` says so, given the `first` such name (sorted) or
    all of them (`names`)."""
    listed = list(names)
    repeated = sorted({name for name in listed if listed.count(name) > 1})
    if repeated:
        raise ValueError(complaint.format(first=repeated[0], names=", ".join(repeated)))


def _hours(moment: time) -> float:
    return moment.hour + moment.minute / 60 + moment.second / 3600


def _plausible_moment(moment: AwareDatetime) -> AwareDatetime:
    _plausible_year(moment.date())
    return moment


class MaintenanceWindow(Part):
    """Planned maintenance: the named work unit or work center is unavailable for `hours` from `start`."""

    equipment: Id
    start: Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
    """With its zone (`2027-01-09T06:00:00Z`, `...+01:00`): a bare time would be read differently by each stage."""
    hours: Annotated[Number, Field(gt=0, le=8760)]
    description: Text = ""


class Calendar(Part):
    """When a work center can work, manned or lights-out. Around the clock is simply one shift of 24 h, seven
    days."""

    shifts: list[Shift] = Field(min_length=1)
    holidays: list[PlantDate] = Field(default_factory=list)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)

    @field_validator("shifts")
    @classmethod
    def _shifts_apart(cls, shifts: list[Shift]) -> list[Shift]:
        """Shift names are unique and no two shifts overlap in the week (so a week has at most 168 hours)."""
        _listed_once((s.name for s in shifts), "duplicate shift name {first!r}")
        week = 24 * 7
        spans = []
        for shift in shifts:
            for day in shift.days:
                begins = WEEKDAYS.index(day) * 24 + _hours(shift.start)
                ends = begins + shift.length_hours
                spans.append((begins, min(ends, week), shift.name, day))
                if ends > week:
                    spans.append((0.0, ends - week, shift.name, day))
        spans.sort()
        for first, second in zip(spans, spans[1:], strict=False):
            if second[0] < first[1] - 1e-9:
                raise ValueError(
                    f"shifts {first[2]!r} ({first[3].value}) and {second[2]!r} ({second[3].value}) overlap; "
                    "a calendar's shifts must not overlap"
                )
        return shifts

    def hours_per_week(self) -> float:
        return sum(shift.hours * len(shift.days) for shift in self.shifts)

    def hours_per_working_day(self) -> float:
        """The week's working hours over the weekdays a shift starts on: a working day's hours on average."""
        return self.hours_per_week() / len({day for shift in self.shifts for day in shift.days})

    def works_on(self, day: date) -> bool:
        """A shift starts on `day`'s weekday and the day is no holiday."""
        weekday = WEEKDAYS[day.weekday()]
        return any(weekday in shift.days for shift in self.shifts) and day not in self.holidays


class LotSizing(Part):
    """How a material's planned quantity is rounded into lots: as needed, fixed lots, multiples of a quantity, at
    least a quantity, the net requirements of the next `periods` days (period order quantity), or the economic
    order quantity from `order_cost` per order and `carrying_rate` (share of unit cost per year)."""

    rule: Literal["lot-for-lot", "fixed", "multiple", "minimum", "poq", "eoq"] = "lot-for-lot"
    quantity: Positive | None = None
    periods: Annotated[WholeNumber, Field(ge=1, le=366)] | None = None
    order_cost: Positive | None = None
    carrying_rate: Annotated[Number, Field(gt=0, le=10)] = 0.25

    @model_validator(mode="after")
    def _quantity_when_needed(self) -> LotSizing:
        if self.rule in ("fixed", "multiple", "minimum") and self.quantity is None:
            raise ValueError(f"lot-size rule {self.rule!r} needs a quantity")
        if self.rule == "poq" and self.periods is None:
            raise ValueError("lot-size rule 'poq' needs periods (days of requirements per lot)")
        if self.rule == "eoq" and self.order_cost is None:
            raise ValueError("lot-size rule 'eoq' needs order_cost")
        return self


COUNTED_UNITS = frozenset({"ea", "set"})
"""Units of measure a material is counted in, whole pieces: MRP plans its lots in whole units (the others, "kg",
"m", "l" and the like, are measured and planned to any fraction)."""


class Material(Part):
    """An ISA-95 MaterialDefinition with the planning figures MRP needs."""

    name: Name = ""
    uom: Literal["ea", "kg", "g", "m", "m2", "l", "kwh", "set"] = "ea"
    """The unit its quantities are in; one of `COUNTED_UNITS` says it is counted in whole pieces."""
    kind: Literal["finished", "sub-assembly", "component", "raw"]
    source: Literal["make", "buy"]
    lead_time_days: Days | None = None
    """Working days to make it, or calendar days to buy it without a supplier. Not given: a made material takes
    the days its routing takes a lot (`planning.plant_problem.routing_lead_time`), a bought one none."""
    lot_size: LotSizing = Field(default_factory=LotSizing)
    safety_stock: NonNegative = 0
    unit_cost: NonNegative = 0
    on_call: bool = False
    """Bought and delivered as the line uses it (kanban, consignment, vendor-managed bulk such as paint or
    coolant): the promise, MRP and the twin all take it as there, never plan it and never find it short.
    Every other bought material is planned: its stock, open orders and suppliers' lead times bind."""

    @property
    def counted(self) -> bool:
        """Counted in whole pieces (its unit is one of `COUNTED_UNITS`): MRP plans its lots in whole units."""
        return self.uom in COUNTED_UNITS

    @model_validator(mode="after")
    def _counted_lots_are_whole(self) -> Material:
        lot = self.lot_size
        if self.counted and lot.rule in ("fixed", "multiple") and lot.quantity != round(lot.quantity or 0):
            raise ValueError(
                f"a material counted in {self.uom!r} is planned in whole units: its {lot.rule} lot "
                f"{lot.quantity:g} is not whole"
            )
        return self

    @model_validator(mode="after")
    def _eoq_has_a_cost(self) -> Material:
        if self.lot_size.rule == "eoq" and self.unit_cost == 0:
            raise ValueError("lot-size rule 'eoq' needs the material's unit_cost (to weigh carrying against ordering)")
        return self

    @model_validator(mode="after")
    def _on_call_is_bought(self) -> Material:
        if self.on_call and self.source != "buy":
            raise ValueError("only a bought material is supplied on call (on_call: true with source: buy)")
        if self.on_call and self.safety_stock:
            raise ValueError("a material supplied on call keeps no safety stock of its own (the supplier does)")
        return self

    @property
    def bought_by_plan(self) -> bool:
        """Bought and planned by lead time: neither made nor supplied on call."""
        return self.source == "buy" and not self.on_call


class BomLine(Part):
    """One component of a bill of materials: quantity per parent unit, the share scrapped, the configurations
    that use it (`when`), and the parent's routing operation that consumes it (`operation`, default its first)."""

    component: Id
    quantity: Positive
    scrap: Annotated[Number, Field(ge=0, lt=1)] = 0.0
    when: Condition | None = None
    operation: Id | None = None

    @property
    def issued(self) -> float:
        """What is issued per parent unit: `quantity` grossed up for the share scrapped, the one figure every
        explosion, material draw and cost roll-up uses so that they agree to the last digit."""
        return self.quantity / (1.0 - self.scrap)


class Sampling(Part):
    """Which units a characteristic is measured on: every `every`-th unit through the operation (1: every unit),
    or the first `per_lot` units of each lot (the production order the unit is made for)."""

    every: Annotated[WholeNumber, Field(ge=1, le=1_000_000)] = 1
    per_lot: Annotated[WholeNumber, Field(ge=1, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _one_plan(self) -> Sampling:
        if self.per_lot is not None and self.every != 1:
            raise ValueError("sample every N units or per lot, not both")
        return self

    def measures(self, seen: int, in_lot: int) -> bool:
        """Whether the unit is measured: the `seen`-th unit through the operation (from 0), the `in_lot`-th of its
        lot (from 0)."""
        return in_lot < self.per_lot if self.per_lot is not None else seen % self.every == 0


class Characteristic(Part):
    """A product or process characteristic an inspection or test measures (a row of the control plan): its unit,
    nominal, specification limits (one side may be open: an insulation resistance has no upper limit) and
    sampling. A measured value outside the limits fails the unit."""

    name: Id
    unit: UnitOfMeasure
    nominal: Number
    lsl: Number | None = None
    usl: Number | None = None
    sampling: Sampling = Field(default_factory=Sampling)

    @model_validator(mode="after")
    def _limits(self) -> Characteristic:
        if self.lsl is None and self.usl is None:
            raise ValueError("give a lower (lsl) or an upper (usl) specification limit, or both")
        if self.lsl is not None and self.usl is not None and self.lsl > self.usl:
            raise ValueError(f"LSL {self.lsl:g} is above USL {self.usl:g}")
        if (self.lsl is not None and self.nominal <= self.lsl) or (self.usl is not None and self.nominal >= self.usl):
            raise ValueError(f"nominal {self.nominal:g} must lie strictly inside the specification limits")
        return self

    def conforms(self, value: float) -> bool:
        return (self.lsl is None or value >= self.lsl) and (self.usl is None or value <= self.usl)

    @property
    def sigma(self) -> float:
        """The spread of a capable process (Cpk 4/3): a quarter of the distance from nominal to the nearer limit."""
        return min(abs(limit - self.nominal) for limit in (self.lsl, self.usl) if limit is not None) / 4

    @property
    def floor(self) -> float | None:
        """The least value it can take: zero (a temperature: its unit's physical minimum) for a quantity that is
        never negative, which is one bounded above only (a leakage current, a runout, a particle count) or one
        whose lower limit is above zero (an insulation resistance, a brake force, a wall's thickness); None for
        a signed one, whose lower limit is at or below zero (an offset, a toe angle, a deviation), or whose
        nominal lies below the floor."""
        floor = PHYSICAL_MINIMUM.get(self.unit, 0.0)
        if self.nominal < floor or (self.lsl is not None and self.lsl <= floor):
            return None
        return floor


class Test(Part):
    """A named inspection or test at an operation and the characteristics it measures on each unit."""

    __test__ = False  # not a pytest class
    name: Id
    characteristics: list[Characteristic] = Field(min_length=1)

    @field_validator("characteristics")
    @classmethod
    def _names_once(cls, characteristics: list[Characteristic]) -> list[Characteristic]:
        _listed_once((c.name for c in characteristics), "characteristic {first!r} listed more than once")
        return characteristics


class Quality(Part):
    """What comes out right the first time at an operation, and what becomes of the rest: repaired off the
    line for `repair_minutes` then tested again, sent back through earlier operations (`redo`, their
    capabilities) then tested again, or, with neither, scrapped. `tests` is the inspection plan or the
    end-of-line test sequence, run in order on each unit."""

    first_pass_yield: Annotated[Number, Field(gt=0, le=1)] = 1.0
    repair_minutes: Positive | None = None
    redo: list[Id] = Field(default_factory=list)
    tests: list[Test] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_way_back(self) -> Quality:
        if self.repair_minutes is not None and self.redo:
            raise ValueError("a failed unit is either repaired (repair_minutes) or redone (redo), not both")
        _listed_once((t.name for t in self.tests), "test {first!r} listed more than once")
        return self

    @property
    def final_yield(self) -> float:
        """The share of the units started through the operation that leave it good in the end: its first-pass
        yield when what fails is scrapped (neither repaired nor redone), all of them when what fails is
        repaired or redone and tested again until it passes."""
        return self.first_pass_yield if self.repair_minutes is None and not self.redo else 1.0


class RoutingOperation(Part):
    """A process segment: what capability it needs, on which equipment, for how long."""

    id: Id
    name: Name = ""
    capability: Id
    equipment: list[Id] = Field(default_factory=list)
    setup_minutes: Minutes = 0
    run_minutes: Annotated[Number, Field(gt=0, le=43_200)]
    batch_size: WholeNumber | None = Field(None, ge=1, le=100_000)
    batch_wait_minutes: Minutes | None = None
    """How long a batch that is not full waits for more parts before it starts with what it has (none: it
    starts at once, as soon as the equipment is free): a kiln held for a fuller load."""
    changeover_group: Id | None = None
    when: Condition | None = None
    quality: Quality | None = None  # else the plant's `quality` for its capability, else all good

    @model_validator(mode="after")
    def _waits_only_to_fill_a_batch(self) -> RoutingOperation:
        if self.batch_wait_minutes is not None and self.batch_size is None:
            raise ValueError("batch_wait_minutes needs a batch_size: only a batch waits to fill")
        return self


class Routing(Part):
    """The operations that make a material, in order."""

    operations: list[RoutingOperation] = Field(min_length=1)


class ChangeoverGroup(Part):
    """Sequence-dependent setups: time to go from one attribute value to another on the same equipment."""

    attribute: Id
    """An option family the customer chooses (paint colour), or `material` (the part being made: die sets)."""
    default_minutes: Minutes = 0
    matrix: dict[Id, dict[Id, Minutes]] = Field(default_factory=dict)

    def minutes(self, before: str | None, after: str) -> float:
        if before is None or before == after:
            return 0.0
        return self.matrix.get(before, {}).get(after, self.default_minutes)


class Option(Part):
    """One choice in an option family, with its share of the order mix and its price."""

    name: Name = ""
    mix: Share = 0.0
    price: NonNegative = 0


class OptionFamily(Part):
    """One choice a customer makes about a product (paint colour, battery), its options and default."""

    name: Name = ""
    default: Id | None = None
    options: dict[Id, Option] = Field(min_length=1)


class Rule(Part):
    """If a configuration matches `when`, it must also match `requires` and must not match `excludes`."""

    when: Condition
    requires: Condition | None = None
    excludes: Condition | None = None
    note: Text = ""

    @model_validator(mode="after")
    def _says_something(self) -> Rule:
        if self.requires is None and self.excludes is None:
            raise ValueError("a rule needs `requires` or `excludes`")
        return self


class Demand(Part):
    """Expected demand for a product: units per day, a relative weight per weekday (Monday first), the order sizes a
    non-retail customer orders, and the [shortest, longest] days from order to due date."""

    units_per_day: Annotated[Number, Field(gt=0, le=100_000)]
    weekday_profile: list[Annotated[Number, Field(ge=0, le=10)]] = Field(
        default_factory=lambda: [1.0] * 7, min_length=7, max_length=7
    )
    units_per_order: list[Annotated[Number, Field(gt=0, le=100_000)]] = Field(
        default_factory=lambda: [1.0], min_length=1
    )
    lead_time_days: list[Days] = Field(default_factory=lambda: [14.0, 28.0], min_length=2, max_length=2)


class Product(Part):
    """A configurable product: option families and rules over a finished material's BOM and routing."""

    name: Name = ""
    material: Id
    tenant: Id
    option_families: dict[Id, OptionFamily] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    demand: Demand | None = None
    max_order_quantity: Annotated[WholeNumber, Field(ge=1, le=100_000)] | None = None
    """The most units one order may ask for (none: the order desk's own bound): a larger one is refused at intake
    with the rest of the bad orders, where a typed 100,000 would take the plant's capacity for years and push every
    order after it back."""

    @model_validator(mode="after")
    def _expects_orders_it_takes(self) -> Product:
        sizes = self.demand.units_per_order if self.demand is not None else []
        if self.max_order_quantity is not None and any(size > self.max_order_quantity for size in sizes):
            raise ValueError(
                f"demand.units_per_order {max(sizes):g} is more than max_order_quantity {self.max_order_quantity}: "
                "the orders the product is expected to get would be refused"
            )
        return self


class Delivery(Part):
    """How a supplier's deliveries arrive against their due date: the share that comes late and, for those, the
    days late as a triangular distribution [shortest, most likely, longest]. By default every one is on time."""

    late_share: Share = 0.0
    late_days: list[Days] = Field(default_factory=lambda: [1.0, 2.0, 5.0], min_length=3, max_length=3)

    @field_validator("late_days")
    @classmethod
    def _ordered(cls, days: list[float]) -> list[float]:
        if not days[0] <= days[1] <= days[2]:
            raise ValueError(f"need shortest <= most likely <= longest, got {days}")
        return days


class Supplier(Part):
    """A supplier of bought materials: lead time, minimum order, order multiple, weekly capacity, and how late its
    deliveries arrive."""

    name: Name = ""
    lead_time_days: Days
    min_order: NonNegative = 0
    order_multiple: Positive = 1
    weekly_capacity: Positive | None = None
    materials: list[Id] = Field(min_length=1)
    delivery: Delivery = Field(default_factory=Delivery)

    @model_validator(mode="after")
    def _an_order_fits_a_week(self) -> Supplier:
        """A week's deliveries are at least one minimum order and one multiple, or no order can ever ship."""
        smallest = max(1, math.ceil(self.min_order / self.order_multiple - 1e-9)) * self.order_multiple
        if self.weekly_capacity is not None and self.weekly_capacity < smallest:
            raise ValueError(
                f"weekly_capacity {self.weekly_capacity:g} is less than its smallest order ({smallest:g}: min_order "
                f"{self.min_order:g}, order_multiple {self.order_multiple:g}): nothing it is ordered could ship"
            )
        return self


class Tenant(Part):
    """A brand that sells through the plant: the owner or a partner (C2M contract manufacturing)."""

    name: Name = ""
    role: Literal["owner", "partner"]


class Customer(Part):
    """A customer of one tenant, with the segment that decides its order sizes."""

    name: Name = ""
    tenant: Id
    segment: Literal["retail", "fleet", "dealer", "business"] = "retail"
    order_share: Positive = 1.0
    """Relative weight of this customer in the order stream (C2M: mostly retail, some fleet and dealer)."""


class InventoryLot(Part):
    """Stock on hand: a lot of a material at a location."""

    material: Id
    location: Id
    lot: Id
    quantity: Positive


class OpenPurchaseOrder(Part):
    """A purchase order already placed with a supplier and not yet delivered: `quantity` of `material` due at
    the plant on `due`. Long-lead parts of a plant in ramp-up are ordered months ahead; these are the
    plan's open receipts, the promise's material on its way and the twin's deliveries."""

    id: Id
    supplier: Id
    material: Id
    quantity: Positive
    due: PlantDate


class RampMonth(Part):
    """One month of a new line's ramp-up plan: shifts per day, working days and the units targeted."""

    shifts_per_day: WholeNumber = Field(ge=1, le=3)
    working_days: WholeNumber = Field(ge=1, le=31)
    target_units: Positive


class RampUp(Part):
    """A new line's ramp: capacity = takt rate x shift hours x a learning curve on cumulative output."""

    line: Id
    start: PlantDate
    shift_hours: Annotated[Number, Field(gt=0, le=24)] = 7.5
    initial_efficiency: Annotated[Number, Field(gt=0, le=1)] = 0.35
    mature_efficiency: Annotated[Number, Field(gt=0, le=1)] = 0.85
    learning_rate: Annotated[Number, Field(gt=0, lt=1)] = 0.8
    months: list[RampMonth] = Field(min_length=1)

    @model_validator(mode="after")
    def _efficiency_grows(self) -> RampUp:
        if self.initial_efficiency > self.mature_efficiency:
            raise ValueError("initial_efficiency cannot exceed mature_efficiency")
        return self


class TimeFences(Part):
    """How far a new master production schedule may depart from the last one: for the first `frozen_days` it
    keeps each product's daily units; through `slushy_days` it may change them by at most `slushy_change`;
    after that it is free."""

    frozen_days: Annotated[WholeNumber, Field(ge=0, le=365)] = 3
    slushy_days: Annotated[WholeNumber, Field(ge=0, le=365)] = 14
    slushy_change: Share = 0.1

    @model_validator(mode="after")
    def _slushy_after_frozen(self) -> TimeFences:
        if self.slushy_days < self.frozen_days:
            raise ValueError(f"slushy_days {self.slushy_days} ends before frozen_days {self.frozen_days}")
        return self


class Plant(Part):
    """A whole plant file, validated structurally. Use `factoryos.model.validate.load_plant` to read one."""

    source: Text = Field(min_length=1, description="Where the figures come from.")
    enterprise: Enterprise
    site: Site
    tenants: dict[Id, Tenant] = Field(min_length=1)
    customers: dict[Id, Customer] = Field(default_factory=dict)
    equipment_classes: dict[Id, EquipmentClass] = Field(min_length=1)
    calendars: dict[Id, Calendar] = Field(min_length=1)
    areas: dict[Id, Area] = Field(min_length=1)
    materials: dict[Id, Material] = Field(min_length=1)
    boms: dict[Id, list[BomLine]] = Field(default_factory=dict)
    routings: dict[Id, Routing] = Field(default_factory=dict)
    changeovers: dict[Id, ChangeoverGroup] = Field(default_factory=dict)
    products: dict[Id, Product] = Field(min_length=1)
    suppliers: dict[Id, Supplier] = Field(default_factory=dict)
    inventory: list[InventoryLot] = Field(default_factory=list)
    purchase_orders: list[OpenPurchaseOrder] = Field(default_factory=list)
    as_of: PlantDate | None = None
    """The day the inventory and the open purchase orders were counted: a plant without a ramp-up is planned
    and run from then, so that its stock and its orders on the way are current."""
    ramp_up: RampUp | None = None
    time_fences: TimeFences = Field(default_factory=TimeFences)
    quality: dict[Id, Quality] = Field(default_factory=dict)
    """Capability -> yield, rework and tests of every operation that needs it (an operation may say its own)."""
    labour_rate: NonNegative = 40.0
    """The cost of an hour of direct labour, in the currency of the materials' unit_cost: it prices rework."""

    @field_validator("tenants")
    @classmethod
    def _one_owner(cls, tenants: dict[str, Tenant]) -> dict[str, Tenant]:
        owners = [tid for tid, t in tenants.items() if t.role == "owner"]
        if len(owners) != 1:
            raise ValueError(f"exactly one tenant must have role 'owner', found {len(owners)}")
        return tenants

    @model_validator(mode="after")
    def _quality_of_known_capabilities(self) -> Plant:
        offered = {c for eq in self.equipment_classes.values() for c in eq.capabilities}
        for capability, quality in self.quality.items():
            unknown = sorted({capability, *quality.redo} - offered)
            if unknown:
                raise ValueError(f"quality.{capability}: no equipment class offers capability {unknown[0]!r}")
        return self

    def quality_of(self, operation: RoutingOperation) -> Quality:
        """The operation's own quality figures, else its capability's, else all good first time."""
        return operation.quality or self.quality.get(operation.capability) or Quality()

    def final_yield(self, operations: Iterable[RoutingOperation]) -> float:
        """The share of the units started through `operations` (a routing's, in one configuration) that come out
        of them good: the product of their final yields (`Quality.final_yield`), each operation's quality as
        `quality_of` finds it, as the twin finds it. A unit scrapped on the way has used up what it was made of and
        is made again (by the twin, from the start), so 1 / this many are started for each one made."""
        return math.prod(self.quality_of(op).final_yield for op in operations)

    # Navigation: the plant is a tree; these flatten it for the stages that work per equipment.

    def work_centers(self) -> dict[str, tuple[str, WorkCenter]]:
        """Work center id -> (area id, work center)."""
        return {wc_id: (area_id, wc) for area_id, area in self.areas.items() for wc_id, wc in area.work_centers.items()}

    def work_units(self) -> dict[str, tuple[str, str, WorkUnit]]:
        """Work unit id -> (area id, work center id, work unit)."""
        return {
            wu_id: (area_id, wc_id, wu)
            for area_id, area in self.areas.items()
            for wc_id, wc in area.work_centers.items()
            for wu_id, wu in wc.work_units.items()
        }

    def equipment_path(self, work_unit: str) -> str:
        """The ISA-95 path used on the event stream: site/area/work-center/work-unit."""
        area_id, wc_id, _ = self.work_units()[work_unit]
        return f"{self.site.id}/{area_id}/{wc_id}/{work_unit}"

    def eligible_units(self, operation: RoutingOperation) -> list[str]:
        """Work units that can do an operation: they have its capability and, if listed, are named."""
        named = set(operation.equipment)
        units = []
        for wu_id, (_, wc_id, wu) in self.work_units().items():
            eq_class = self.equipment_classes.get(wu.equipment_class)
            if eq_class is None or operation.capability not in eq_class.capabilities:
                continue
            if named and wu_id not in named and wc_id not in named:
                continue
            units.append(wu_id)
        return units

    def from_count(self, day: date) -> date:
        """`day`, or the day the plant's stock and open orders were counted (`as_of`) if later: nothing is planned
        or promised on stock not yet counted."""
        return max(day, self.as_of) if self.as_of else day

    def stock_on_hand(self) -> dict[str, float]:
        """What the inventory holds of each material, over its locations and lots."""
        held: dict[str, float] = {}
        for lot in self.inventory:
            held[lot.material] = held.get(lot.material, 0.0) + lot.quantity
        return held

    @property
    def opening(self) -> date | None:
        """The plant's first working day where its file says one: the ramp-up's start or the day its stock was
        counted, the later of the two (nothing is built on stock not counted yet)."""
        days = [d for d in (self.ramp_up.start if self.ramp_up is not None else None, self.as_of) if d is not None]
        return max(days, default=None)

    def first_day(self, default: date | None = None) -> date:
        """The day a plan, an order stream, a run or a demo of the plant starts when none is given: its
        `opening`, else `default`, else today."""
        return self.opening or default or date.today()

    def owner(self) -> str:
        return next(tid for tid, t in self.tenants.items() if t.role == "owner")
