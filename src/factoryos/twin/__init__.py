"""The digital twin: the plant in motion on SimPy, publishing the floor's event stream.

Build a `Floor` from buffers, stations, paced lines, batch stations, transports, crews and sources, run it,
and read `RunMetrics`; or let `factoryos.twin.plant_twin` build one from a plant file.
"""

from factoryos.twin.batch import BatchStation
from factoryos.twin.buffer import Buffer
from factoryos.twin.calendar import ShiftCalendar, always, shifts
from factoryos.twin.distributions import Duration, exponential, fixed, lognormal
from factoryos.twin.equipment import Maintenance, Reliability
from factoryos.twin.floor import Floor
from factoryos.twin.metrics import EquipmentMetrics, RunMetrics
from factoryos.twin.operators import Crew
from factoryos.twin.paced_line import PacedLine
from factoryos.twin.part import Operation, Part, Step, TestSpec
from factoryos.twin.source import Source, poisson
from factoryos.twin.station import Station
from factoryos.twin.transport import AgvFleet, Conveyor

__all__ = [
    "AgvFleet",
    "BatchStation",
    "Buffer",
    "Conveyor",
    "Crew",
    "Duration",
    "EquipmentMetrics",
    "Floor",
    "Maintenance",
    "Operation",
    "PacedLine",
    "Part",
    "Reliability",
    "RunMetrics",
    "ShiftCalendar",
    "Source",
    "Station",
    "Step",
    "TestSpec",
    "always",
    "exponential",
    "fixed",
    "lognormal",
    "poisson",
    "shifts",
]
