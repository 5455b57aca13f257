"""What a station under a schedule says on the event stream across its shifts: idle with nothing planned on
shift, idle and not scheduled off shift, starved once its part is late. A timeline drawn from the stream shows
off-shift time as off shift, even where the station was idle before the shift ended."""

from __future__ import annotations

from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.twin import Floor, Part, Step, Task, fixed, shifts
from factoryos.twin.calendar import DAY, HOUR
from factoryos.twin.floor import EPOCH
from factoryos.twin.planned_starts import PlannedStarts

DRILL = "shop/cell/drill"
PLANNED = DAY + 10 * HOUR  # Tuesday 10:00: the floor's epoch is a Monday, 00:00
LATE = 30 * 60.0


def published_states(bus: EventBus) -> list[tuple[float, str, str | None]]:
    """The drill's state changes on the stream: (seconds from the floor's epoch, state, reason)."""
    return [
        ((e.ts - EPOCH).total_seconds(), e.payload["state"], e.payload.get("reason"))
        for e in bus.store.read(EventKind.STATE)
        if e.equipment == DRILL
    ]


def test_a_station_idle_with_nothing_planned_says_not_scheduled_when_its_shift_ends() -> None:
    """A drill on 06:00-14:00 with one hour's work planned for Tuesday 10:00, its part there half an hour late: it
    is not scheduled until Monday's shift, has nothing planned through it and is not scheduled from 14:00 to
    Tuesday 06:00; then nothing planned until 10:00, starved until the part comes, running an hour, nothing planned
    again and not scheduled from 14:00; unknown when the run ends."""
    bus = EventBus()
    floor = Floor(1, bus=bus, epoch=EPOCH)
    inbox = floor.buffer("in")
    planned = PlannedStarts([(DRILL, PLANNED, ("P1", "drill"))], {})
    calendar = shifts(1, hours=8, first_start_hour=6, break_minutes=0)
    floor.station(DRILL, inbox, calendar=calendar, planned=planned)
    floor.source([(PLANNED + LATE, Part("P1", (Step(inbox, Task("drill", fixed(HOUR))),), 0.0, product="bracket"))])
    floor.run(2 * DAY)
    assert published_states(bus) == [
        (0.0, "idle", "not scheduled"),
        (6 * HOUR, "idle", "nothing planned"),
        (14 * HOUR, "idle", "not scheduled"),
        (DAY + 6 * HOUR, "idle", "nothing planned"),
        (PLANNED, "starved", None),
        (PLANNED + LATE, "running", None),
        (PLANNED + LATE + HOUR, "idle", "nothing planned"),
        (DAY + 14 * HOUR, "idle", "not scheduled"),
        (2 * DAY, "unknown", "the run ended"),
    ]
