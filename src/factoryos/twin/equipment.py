"""What every piece of equipment shares: state-time accounting, breakdowns, shifts, planned maintenance,
yields with rework, inspections and tests, and what it says on the event stream.

Breakdowns are operation-dependent: each server draws its operating time to failure (exponential with mean
MTBF) and fails when its processing has used that up, so no interrupts are needed and a fault can announce
itself on the sensors during the hours of operation before it happens. Time in every state is accounted per
server and summed per equipment (server-seconds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from simpy import Environment

from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Characteristic, Drift
from factoryos.twin.buffer import Buffer, Picker
from factoryos.twin.calendar import ShiftCalendar
from factoryos.twin.distributions import Duration
from factoryos.twin.operators import Crew
from factoryos.twin.part import Part, Task, order_of
from factoryos.twin.sensors import SENSOR_KINDS, SensorKind, reading, significant
from factoryos.twin.states import ACTIVE, DOWN, IDLE, MAINTENANCE, NAMES, SETUP, STARVED, STARVED_MATERIAL, WORKING

if TYPE_CHECKING:
    from factoryos.twin.material import LineSideStock, Needs
    from factoryos.twin.part import Inbox
    from factoryos.twin.planned_starts import PlannedStarts
    from factoryos.twin.publisher import Publisher
    from factoryos.twin.quarantine import Quarantine
    from factoryos.twin.sink import Sink

INF = float("inf")
NOTHING_PLANNED = "nothing planned"  # why a server waiting on shift under a schedule is idle: no part is due yet
NOT_SCHEDULED = "not scheduled"  # why a server is idle off shift
_EPSILON = 1e-6  # seconds of work left over from float arithmetic, not worth another shift


@dataclass(frozen=True, slots=True)
class Reliability:
    """Breakdowns: mean operating time between failures and the repair time, in seconds."""

    mtbf: float
    mttr: Duration

    def __post_init__(self) -> None:
        if not self.mtbf > 0:
            raise FactoryosError(f"mtbf must be > 0 seconds, got {self.mtbf}")


@dataclass(frozen=True, slots=True)
class Maintenance:
    """Planned maintenance: `duration` seconds every `interval` seconds of calendar time. It also catches a
    developing fault, so the equipment comes back as good as new."""

    interval: float
    duration: float
    first: float = 0.0


class Server:
    """One server of a piece of equipment: its state and since when, its time to failure (`ttf`), the setup group it
    is in, its next planned maintenance, and what it waits for."""

    __slots__ = (
        "index",
        "state",
        "since",
        "active_since",
        "ttf",
        "warns",
        "setup_group",
        "next_pm",
        "waiting",
        "for_team",
        "short",
        "reason",
    )

    def __init__(self, index: int, now: float) -> None:
        self.index = index
        self.state = IDLE
        self.since = now
        self.active_since = now
        self.ttf = INF
        self.warns = False
        self.setup_group: str | None = None
        self.next_pm = INF
        self.waiting = False  # for a part, shift on or off
        self.for_team = False  # for an operator or a station's team from the crew
        self.short = False  # for bought parts that are not at the line
        self.reason: str | None = None  # why it is in its state, as last published (NOTHING_PLANNED, ...)


class Equipment:
    """Base of stations, paced lines and batch stations: one or more servers pulling from one inbox.

    Slotted, as are its subclasses: CPython 3.11 keeps no more than 29 attributes of a plain instance inline, and
    past that every `self.` lookup in the servers' loops costs more (a station had 34)."""

    __slots__ = (
        "env",
        "name",
        "path",
        "inbox",
        "sink",
        "rng",
        "signal_rng",
        "test_rng",
        "drift",
        "drift_from",
        "measured",
        "measured_in_lot",
        "servers",
        "reliability",
        "crew",
        "calendar",
        "maintenance",
        "pick",
        "sensor",
        "publisher",
        "quarantine",
        "speed",
        "stock",
        "waiting_state",
        "planned",
        "state_time",
        "completed",
        "good",
        "scrap",
        "rework",
        "failures",
        "ideal_seconds",
        "active_sum",
        "active_count",
        "_servers",
    )

    def __init__(
        self,
        env: Environment,
        name: str,
        inbox: Buffer,
        sink: Sink,
        rng: random.Random,
        *,
        servers: int = 1,
        path: str | None = None,
        reliability: Reliability | None = None,
        crew: Crew | None = None,
        calendar: ShiftCalendar | None = None,
        maintenance: Maintenance | None = None,
        pick: Picker | None = None,
        sensor: str | SensorKind | None = None,
        publisher: Publisher | None = None,
        speed: float = 1.0,
        has_work: bool = True,
        drift: Drift | None = None,
        stock: LineSideStock | None = None,
        quarantine: Quarantine | None = None,
        lot_samples: dict[tuple[str, str, str, str], int] | None = None,
        planned: PlannedStarts | None = None,
    ) -> None:
        if servers < 1:
            raise FactoryosError(f"equipment {name}: needs at least one server, got {servers}")
        if isinstance(sensor, str) and sensor not in SENSOR_KINDS:
            raise FactoryosError(
                f"equipment {name}: sensor kind {sensor!r}: expected one of {', '.join(sorted(SENSOR_KINDS))}"
            )
        self.env = env
        self.name = name
        self.path = path or name
        self.inbox = inbox
        self.sink = sink
        self.rng = rng
        # Sensor readings and test values draw from their own stream: publishing does not change the run.
        self.signal_rng = random.Random(f"{rng.random()}:{self.path}:signals")
        # Measured values draw from a stream of their own too: with a drift they decide passes and fails.
        self.test_rng = random.Random(f"{self.signal_rng.random()}:{self.path}:tests")
        self.drift = drift
        self.drift_from = drift.after_hours * 3600.0 if drift is not None else INF
        self.measured: dict[tuple[str, str], int] = {}  # (test, characteristic) -> units seen
        # of each lot sampled per lot: the floor's, shared with the stations testing the same lot beside it
        self.measured_in_lot = lot_samples if lot_samples is not None else {}
        self.servers = servers
        self.reliability = reliability
        self.crew = crew
        calendar = calendar if calendar is not None else (crew.calendar if crew is not None else None)
        self.calendar = None if calendar is not None and calendar.always_open else calendar
        self.maintenance = maintenance
        self.pick = pick
        self.sensor: SensorKind | None = SENSOR_KINDS[sensor] if isinstance(sensor, str) else sensor
        self.publisher = publisher
        self.quarantine = quarantine
        self.speed = speed
        self.stock = stock
        # Waiting for a part on shift is starving, a loss; equipment the plan gives no work is idle. Following a
        # schedule, it is starving once the part is late against its planned start, idle before (`_wait_as_planned`).
        self.waiting_state = STARVED if has_work else IDLE
        self.planned = planned
        self.state_time = [0.0] * len(NAMES)
        self.completed = 0
        self.good = 0
        self.scrap = 0
        self.rework = 0
        self.failures = 0
        self.ideal_seconds = 0.0
        self.active_sum = 0.0
        self.active_count = 0
        self._servers = [Server(k, env.now) for k in range(servers)]
        for server in self._servers:
            self._renew(server)
            if maintenance is not None:
                server.next_pm = maintenance.first
            env.process(self._serve(server))
        if self.sensor is not None and not self.sensor.per_cycle and publisher is not None:
            env.process(self._sample(self._servers[0]))
        if self.calendar is not None and self.calendar.windows:
            env.process(self._follow_calendar())
        if planned is not None:
            planned.attach(self.path, self._look_again)

    def _serve(self, srv: Server) -> Any:
        raise NotImplementedError

    @property
    def line(self) -> str:
        """The line (work center) the equipment belongs to: its path's parent."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    @property
    def held_up(self) -> bool:
        """No server working, setting up or ready for a part (each is broken down, in maintenance, blocked,
        off shift or waiting for its team): work scheduled on it may go elsewhere. A server waiting on shift for a
        part the schedule plans none of yet is ready for one, as a starved server is."""
        return not any(
            srv.state == WORKING
            or srv.state == SETUP
            or (srv.state == STARVED and not srv.for_team)
            or (srv.reason == NOTHING_PLANNED and self.waiting_state == STARVED)
            for srv in self._servers
        )

    @property
    def setup_group(self) -> str | None:
        """What the (first) server is set up for."""
        return self._servers[0].setup_group

    def _starve(self, srv: Server) -> Any:
        """Wait for a part (see `_start_waiting`)."""
        self._start_waiting(srv)
        part = yield self.inbox.wait(self.pick)
        srv.waiting = False
        return part

    def _start_waiting(self, srv: Server) -> None:
        """The server waits for a part: starved while its shift is on, idle while it is off; following a schedule,
        starved only once the part is late against the plan (`_wait_as_planned`)."""
        srv.waiting = True
        if self.calendar is not None and not self.calendar.is_open(self.env.now):
            self._to(srv, IDLE, NOT_SCHEDULED)
        elif self.planned is not None:
            self._wait_as_planned(srv)
        else:
            self._to(srv, self.waiting_state)

    def _wait_as_planned(self, srv: Server) -> None:
        """On shift, waiting for a part under a schedule: starved once the planned start of the next operation the
        schedule gives this equipment that has not begun has come, else idle with nothing planned until then, when
        it looks again."""
        now = self.env.now
        due = self.planned.next_start(self.path)  # type: ignore[union-attr]
        if due <= now:
            self._to(srv, STARVED)
            return
        self._to(srv, IDLE, NOTHING_PLANNED)
        if due < INF:
            self.env.timeout(due - now).callbacks.append(lambda _: self._look_again())

    def _look_again(self) -> None:
        """Whether the servers waiting for a part on shift are starved or idle, now that an operation planned
        here began (here or on a peer) or a planned start came."""
        if self.calendar is not None and not self.calendar.is_open(self.env.now):
            return
        for srv in self._servers:
            if srv.waiting:
                self._wait_as_planned(srv)

    def _man(self, srv: Server) -> Any:
        """Take an operator (or a station's team) from the crew; starved for one while none is free."""
        handover = self.crew.acquire()  # type: ignore[union-attr]
        if handover is not None:
            self._to(srv, STARVED, "operator")
            srv.for_team = True
            yield handover
            srv.for_team = False

    def _draw(self, srv: Server, part: Part, needs: Needs) -> Any:
        """Take the bought parts the unit's operation consumes, waiting for them if they are not at the line; the
        lots they came from join the unit's genealogy."""
        stock = self.stock
        assert stock is not None
        drawn = stock.take(needs)
        if drawn is None:
            drawn = yield from self._supply(srv, needs)
        part.lots = part.lots + drawn

    def _supply(self, srv: Server, needs: Needs) -> Any:
        """Wait for bought parts that are not at the line (the caller tried to take them): starved for material
        while its shift is on, idle while it is off; then wait for the shift if it ended meanwhile. Returns the
        lots they came from."""
        stock = self.stock
        assert stock is not None
        srv.short = True
        on = self.calendar is None or self.calendar.is_open(self.env.now)
        self._to(srv, STARVED_MATERIAL if on else IDLE, stock.missing(needs) if on else NOT_SCHEDULED)
        drawn = yield stock.wait(needs)
        srv.short = False
        if self._gated(srv):
            yield from self._wait_until_available(srv)
        return drawn

    def _follow_calendar(self) -> Any:
        env = self.env
        calendar = self.calendar
        assert calendar is not None
        while True:
            yield env.timeout(calendar.next_change(env.now) - env.now)
            is_open = calendar.is_open(env.now)
            state = self.waiting_state if is_open else IDLE
            for srv in self._servers:
                if srv.waiting and is_open and self.planned is not None:
                    self._wait_as_planned(srv)
                elif srv.waiting:
                    self._to(srv, state, None if state == STARVED else NOT_SCHEDULED)
                elif srv.short:
                    self._to(srv, STARVED_MATERIAL if is_open else IDLE, None if is_open else NOT_SCHEDULED)

    def _gated(self, srv: Server) -> bool:
        return srv.next_pm <= self.env.now or self.calendar is not None

    def _wait_until_available(self, srv: Server) -> Any:
        """Planned maintenance when it is due, then wait for the shift calendar to open."""
        env = self.env
        if srv.next_pm <= env.now:
            self._to(srv, MAINTENANCE, "planned")
            yield env.timeout(self.maintenance.duration)  # type: ignore[union-attr]
            srv.next_pm += self.maintenance.interval  # type: ignore[union-attr]
            self._renew(srv)
        if self.calendar is not None and not self.calendar.is_open(env.now):
            self._to(srv, IDLE, NOT_SCHEDULED)
            yield env.timeout(self.calendar.next_open(env.now) - env.now)

    def _hold_for_shift(self, srv: Server, op: Task, setup: float = 0.0) -> Any:
        """Before a run on a calendar, or before its changeover of `setup` seconds: wait for it to open (a part or
        an operator may have kept the server past its close) and for an open stretch that holds the changeover and,
        for an operation that may not pause, its planned run time, as the scheduler places them: a furnace cycle is
        not started that would run into the night, nor a die changed over the night before its run."""
        env, calendar = self.env, self.calendar
        assert calendar is not None
        now = env.now
        start = calendar.next_fit(now, setup + (0.0 if op.interruptible else self._planned_run(op, op.made or 1)))
        if start > now:
            self._to(srv, IDLE, NOT_SCHEDULED)
            yield env.timeout(start - now)

    def _planned_run(self, op: Task, units: int = 1) -> float:
        """The run time of `op` (for `units`) as planned on this equipment: its mean, at its speed."""
        return op.run.mean / self.speed

    def _work_in_shifts(self, srv: Server, seconds: float) -> Any:
        """`seconds` of an interruptible operation's work in the calendar's open time: it stops when the calendar
        closes (idle, not scheduled) and goes on at its next opening."""
        env, calendar = self.env, self.calendar
        assert calendar is not None
        while True:
            piece = min(seconds, calendar.open_until(env.now) - env.now)
            if piece > 0:
                yield from self._work(srv, piece)
                seconds -= piece
            if seconds <= _EPSILON:
                return
            self._to(srv, IDLE, NOT_SCHEDULED)
            yield env.timeout(calendar.next_open(env.now) - env.now)
            self._to(srv, WORKING)

    def _work(self, srv: Server, seconds: float) -> Any:
        """Process for `seconds` of operating time, breaking down (and being repaired) on the way if due."""
        env = self.env
        if self.reliability is not None:
            while seconds >= srv.ttf:
                yield env.timeout(srv.ttf)
                seconds -= srv.ttf
                yield from self._repair(srv)
            srv.ttf -= seconds
        yield env.timeout(seconds)

    def _repair(self, srv: Server) -> Any:
        self.failures += 1
        previous = srv.state
        self._to(srv, DOWN, "breakdown")
        pub = self.publisher
        if pub is not None:
            pub.alarm(self.env.now, self.path, "breakdown", f"{self.name} stopped", "critical")
        yield self.env.timeout(self.reliability.mttr.sample(self.rng))  # type: ignore[union-attr]
        if pub is not None:
            pub.alarm(self.env.now, self.path, "breakdown", f"{self.name} repaired", "critical", active=False)
        self._renew(srv)
        self._to(srv, previous if previous != DOWN else WORKING)

    def _renew(self, srv: Server) -> None:
        """Draw the operating time to the next failure, and whether the sensors will see it coming."""
        if self.reliability is not None:
            srv.ttf = self.rng.expovariate(1.0 / self.reliability.mtbf)
            srv.warns = self.sensor is not None and self.rng.random() < self.sensor.warning_share

    def _finish(self, part: Part, op: Task) -> bool:
        """Count the operation and apply its yield and tests: True when the part moves on along its route
        (possibly through a rework detour), False when it was scrapped."""
        if self.quarantine is not None:
            self.quarantine.finished(part, self.path, self.env.now)
        if part.quantity > 1 and op.made is None:
            return self._finish_lot(part, op)
        return self._finish_unit(part, op)

    def _finish_unit(self, part: Part, op: Task) -> bool:
        env = self.env
        pub = self.publisher
        passed = op.yield_rate >= 1.0 or self.rng.random() <= op.yield_rate
        if op.tests and (pub is not None or self.drift is not None):
            passed = self._inspect(part, op, passed) and passed
        scrapped = not passed and not op.rework
        if pub is not None:
            work_order = pub.work_order(part, op.name)
            pub.operation(
                env.now,
                self.path,
                work_order,
                op.name,
                "completed",
                part.serial,
                quantity=part.quantity,
                scrapped=scrapped,
                configuration=part.configuration,
            )
        material = op.material or part.product
        if passed:
            units = op.made_of(part)
            self.good += units
            if pub is not None:
                pub.count(env.now, self.path, good=units, material=material)
            return True
        if op.rework:
            self.rework += 1
            part.reworks += 1
            i = part.step
            again = part.route[i]
            if again.consumes:  # the unit repeats the operation with the parts it already has
                again = replace(again, consumes=())
            part.route = part.route[: i + 1] + op.rework + (again,) + part.route[i + 1 :]
            if pub is not None:
                pub.count(env.now, self.path, rework=1, material=material)
            return True
        self.scrap += 1
        if pub is not None:
            pub.count(env.now, self.path, scrap=1, material=material)
        self.sink.scrapped(part)
        return False

    def _finish_lot(self, part: Part, op: Task) -> bool:
        """A lot's units each come out right with the operation's yield and go through its tests one by one (the
        sampling plan picking which are measured). Those that fail are repaired or redone beside the lot when the
        operation has a rework detour (counted as rework), else scrapped; the lot goes on with the rest, even
        none of them, so that its stock hears it arrive and orders again."""
        pub = self.publisher
        units = part.quantity
        faulty = 0 if op.yield_rate >= 1.0 else sum(self.rng.random() > op.yield_rate for _ in range(units))
        failed = faulty
        if op.tests and (pub is not None or self.drift is not None):
            failed += sum(not self._inspect(part, op, True, k) for k in range(1, units - faulty + 1))
            for k in range(units - faulty + 1, units + 1):
                self._inspect(part, op, False, k)
        if pub is not None:
            work_order = pub.work_order(part, op.name)
            pub.operation(self.env.now, self.path, work_order, op.name, "completed", part.serial, quantity=units)
        self.good += units - failed
        if op.rework:
            self.rework += failed
        else:
            self.scrap += failed
            part.quantity -= failed
        if pub is not None:
            kind = "rework" if op.rework else "scrap"
            pub.count(
                self.env.now, self.path, good=units - failed, material=op.material or part.product, **{kind: failed}
            )
        return True

    def _inspect(self, part: Part, op: Task, sound: bool, unit: int | None = None) -> bool:
        """Run the operation's tests in sequence on the unit (the lot's `unit`-th, for a lot), measuring each
        characteristic its sampling plan picks, and publish each test's result: True when every measured value
        conforms.

        A unit that is not `sound` (it failed its yield draw) has one characteristic found out of
        specification, measured whatever the sampling. The others scatter around nominal, moved by the
        equipment's drift, inside the limits while there is none (the noise is cut at 4 sigma, where a
        capable process's limits are). An out-of-specification value gets the drift's cause corrected: it
        starts over `after_hours` later."""
        rng = self.test_rng
        shift = self._drift_sigmas()
        faulty = -1 if sound else rng.randrange(sum(len(test.characteristics) for test in op.tests))
        drifted_out = False
        k = 0
        for test in op.tests:
            values = []
            for characteristic in test.characteristics:
                if k == faulty:
                    values.append(_reported(characteristic, _out_of_spec(characteristic, rng)))
                elif self._sampled(part, op.name, test.name, characteristic):
                    values.append(_reported(characteristic, _measure(characteristic, shift, rng)))
                    drifted_out = drifted_out or values[-1]["result"] == "fail"
                k += 1
            if self.publisher is not None:
                passed = all(value["result"] == "pass" for value in values)
                self.publisher.test(self.env.now, self.path, part.serial, test.name, passed, values, unit)
        if drifted_out and self.drift is not None:
            self.drift_from = self.env.now + self.drift.after_hours * 3600.0
        return not drifted_out

    def _sampled(self, part: Part, operation: str, test: str, characteristic: Characteristic) -> bool:
        """Whether the unit's `characteristic` is measured: every N units through this station, or N of each lot
        at this operation whichever station of it the units take."""
        key = (test, characteristic.name)
        seen = self.measured.get(key, 0)
        self.measured[key] = seen + 1
        in_lot = 0
        if characteristic.sampling.per_lot is not None:
            lot = (
                operation,
                test,
                characteristic.name,
                order_of(part.order) if part.order else part.parent or part.serial,
            )
            in_lot = self.measured_in_lot.get(lot, 0)
            self.measured_in_lot[lot] = in_lot + 1
        return characteristic.sampling.measures(seen, in_lot)

    def _drift_sigmas(self) -> float:
        """How far the equipment's drift has moved what it makes, in sigmas."""
        if self.drift is None or self.env.now <= self.drift_from:
            return 0.0
        return (self.env.now - self.drift_from) / 3600.0 * self.drift.sigmas_per_hour

    @property
    def watched(self) -> bool:
        """Whether operations are told of as they start and end: to the event stream or to a quarantine."""
        return self.publisher is not None or self.quarantine is not None

    def _started(self, srv: Server, part: Part, operation: str) -> None:
        """Tell the quarantine an operation starts; publish it, and the per-cycle sensor readings."""
        now = self.env.now
        if self.quarantine is not None:
            self.quarantine.started(part, now)
        pub = self.publisher
        if pub is None:
            return
        work_order = pub.work_order(part, operation)
        pub.operation(now, self.path, work_order, operation, "started", part.serial, part.untold(), part.quantity)
        sensor = self.sensor
        if sensor is not None and sensor.per_cycle:
            progress = self._fault_progress(srv, sensor)
            for signal in sensor.signals:
                pub.measurement(now, self.path, signal.name, reading(signal, self.signal_rng, progress), signal.unit)

    def _fault_progress(self, srv: Server, sensor: SensorKind) -> float:
        window = sensor.warning_hours * 3600.0
        return 1.0 - srv.ttf / window if srv.warns and srv.ttf < window else 0.0

    def _sample(self, srv: Server) -> Any:
        """Ambient sensors (a paint booth's air) read on a clock, not per cycle, from the run's signal stream: a
        replication or another seed reads other air."""
        sensor = self.sensor
        pub = self.publisher
        assert sensor is not None
        assert pub is not None
        while True:
            progress = self._fault_progress(srv, sensor)
            for signal in sensor.signals:
                pub.measurement(
                    self.env.now, self.path, signal.name, reading(signal, self.signal_rng, progress), signal.unit
                )
            yield self.env.timeout(sensor.interval)

    def _to(self, srv: Server, state: int, reason: str | None = None) -> None:
        """Put the server in `state` for `reason`, and publish it if either changed: a server idle with nothing
        planned whose shift closes is then idle, not scheduled, on the stream too. The time in each state is
        accounted when the state changes."""
        told = srv.reason
        srv.reason = reason
        old = srv.state
        if old == state:
            if reason != told and self.publisher is not None:
                self.publisher.state(self.env.now, self.path, state, reason)
            return
        now = self.env.now
        self.state_time[old] += now - srv.since
        srv.state = state
        srv.since = now
        if ACTIVE[state] != ACTIVE[old]:
            if ACTIVE[state]:
                srv.active_since = now
            else:
                self.active_sum += now - srv.active_since
                self.active_count += 1
        if self.publisher is not None:
            self.publisher.state(now, self.path, state, reason)

    def close(self, now: float) -> None:
        """Account the time since the last state change (call once, at the end of the run)."""
        for srv in self._servers:
            self.state_time[srv.state] += now - srv.since
            srv.since = now
            if ACTIVE[srv.state]:
                self.active_sum += now - srv.active_since
                self.active_count += 1
                srv.active_since = now

    def _forward(self, part: Part) -> Any:
        part.step += 1
        if part.step < len(part.route):
            step = part.route[part.step]
            return cast("Inbox", step.to).force(part) if step.internal else step.to.put(part)
        return self.sink.put(part)

    def _set_up_for(self, srv: Server, op: Task):  # noqa: ANN202  (a SimPy process step)
        """Change the server over when the operation needs another setup than it has; the first setup is free. On a
        calendar the changeover takes working time, just before the run (`_hold_for_shift`)."""
        if op.setup_group is not None and op.setup_group != srv.setup_group:
            if srv.setup_group is not None:
                seconds = self._setup_seconds(srv, op)
                if self.calendar is not None:
                    yield from self._hold_for_shift(srv, op, seconds)
                self._to(srv, SETUP, op.setup_group)
                yield self.env.timeout(seconds)
            srv.setup_group = op.setup_group

    def _setup_seconds(self, srv: Server, op: Task) -> float:
        if op.changeover is not None:
            return op.changeover.seconds(srv.setup_group, op.setup_group)  # type: ignore[arg-type]
        return op.setup.sample(self.rng)


def _measure(characteristic: Characteristic, shift: float, rng: random.Random) -> float:
    """A value of a capable process (noise cut at 4 sigma), its mean moved by `shift` sigmas; folded at the
    characteristic's floor, where it has one (a leakage current is never negative)."""
    noise = rng.gauss(0.0, 1.0)
    while abs(noise) > 4.0:
        noise = rng.gauss(0.0, 1.0)
    value = characteristic.nominal + (shift + noise) * characteristic.sigma
    floor = characteristic.floor
    return value if floor is None or value >= floor else 2 * floor - value


def _out_of_spec(characteristic: Characteristic, rng: random.Random) -> float:
    """A value beyond one of the limits (the upper or the lower, at random when there are both), 0.2 to 1.2
    sigmas out; below the lower limit never under the characteristic's floor (an insulation resistance of 5
    MOhm at least fails between 0 and 5, not at -4.87): where that many sigmas would cross it, a fifth of the
    way from the limit to the floor or further."""
    out = 0.2 + rng.random()
    upper = characteristic.lsl is None or (characteristic.usl is not None and rng.random() < 0.5)
    if upper:
        return characteristic.usl + characteristic.sigma * out  # type: ignore[operator]
    lsl, floor = characteristic.lsl, characteristic.floor
    assert lsl is not None
    if floor is not None and lsl - characteristic.sigma * out < floor:
        return lsl - (lsl - floor) * min(out, 1.0)
    return lsl - characteristic.sigma * out


def _reported(characteristic: Characteristic, value: float) -> dict[str, Any]:
    """A measured value as a test event carries it, as the instrument reports it: with its unit, nominal, limits
    and verdict."""
    value = significant(value)
    reported: dict[str, Any] = {
        "name": characteristic.name,
        "value": value,
        "unit": characteristic.unit,
        "nominal": characteristic.nominal,
    }
    if characteristic.lsl is not None:
        reported["low"] = characteristic.lsl
    if characteristic.usl is not None:
        reported["high"] = characteristic.usl
    reported["result"] = "pass" if characteristic.conforms(value) else "fail"
    return reported
