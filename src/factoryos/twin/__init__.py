"""The digital twin: the plant in motion on SimPy, publishing the floor's event stream.

- The engine (this package's top level): build a `Floor` from buffers, stations, paced lines, batch
  stations, conveyors and AGVs, crews on shift calendars and sources; run it; read `RunMetrics`.
- A plant file's twin: `factoryos.twin.scenarios.prepare(plant, "traditional" | "smart", days, seed)`
  (built by `factoryos.twin.plant_twin.PlantTwin`, optionally executing a schedule).
- Experiments: `factoryos.twin.experiment.run_experiment` (replications, in parallel or on Dask, with
  confidence intervals); for the demo and the HTML report, `factoryos.twin.simulation.simulate_plant`.
- The engine benchmark: `factoryos.bench.twin`.
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
from factoryos.twin.part import Part, Step, Task, TestSpec
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
    "Task",
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
