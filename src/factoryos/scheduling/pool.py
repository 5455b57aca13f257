"""The best schedule so far, shared by solvers that run side by side (compiled tabu search, CP-SAT in
its own thread) so that each continues from the other's progress."""

from __future__ import annotations

import threading

from factoryos.scheduling.checker import overfill_seconds
from factoryos.scheduling.objectives import Objective, evaluate
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Schedule


class SharedBest:
    """The best schedule so far, its value under the objective, the seconds it overfills the buffers (`over`), and
    a lower bound; solvers offer schedules and take snapshots under a lock."""

    def __init__(
        self, problem: Problem, objective: Objective, schedule: Schedule, method: str, baseline: Schedule | None
    ) -> None:
        self.problem, self.objective, self.baseline = problem, objective, baseline
        self._lock = threading.Lock()
        self.schedule, self.method = schedule, method
        self.value = self.evaluate(schedule)
        self.over = overfill_seconds(problem, schedule)
        self.lower_bound: int | None = None
        self.optimal = False

    def bound(self, lower_bound: int | None) -> None:
        """Learn a lower bound on the objective; reaching it proves the schedule optimal."""
        if lower_bound is not None and (self.lower_bound is None or lower_bound > self.lower_bound):
            self.lower_bound = lower_bound
        if self.lower_bound is not None and not self.over and self.value <= self.lower_bound:
            self.optimal = True

    def evaluate(self, schedule: Schedule) -> int:
        return evaluate(self.problem, schedule, self.objective, self.baseline)

    def offer(self, schedule: Schedule, method: str, accept_equal: bool = False) -> bool:
        """Keep `schedule` if it is better (or, with accept_equal, as good); says whether it was kept. Better is
        first fewer seconds overfilling the buffers, then a lower value (`objectives.ranked`)."""
        value, over = self.evaluate(schedule), overfill_seconds(self.problem, schedule)
        with self._lock:
            rank, best = (over, value), (self.over, self.value)
            if rank < best or (accept_equal and rank == best and schedule != self.schedule):
                if rank < best:
                    self.method = method
                self.schedule, self.value, self.over = schedule, value, over
                if self.lower_bound is not None and not over and value <= self.lower_bound:
                    self.optimal = True
                return True
        return False

    def snapshot(self) -> tuple[Schedule, int]:
        with self._lock:
            return self.schedule, self.value
