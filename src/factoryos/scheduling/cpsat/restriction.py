"""What a large-neighbourhood step keeps from the incumbent: operations fixed in place, and per machine a
sequence of operations that stay on it in that order. Everything else is free."""

from __future__ import annotations

from dataclasses import dataclass, field

from factoryos.scheduling.schedule import Assignment


@dataclass(frozen=True)
class Restriction:
    """The part of the incumbent a neighbourhood keeps: operations fixed at their assignment, and per machine a
    sequence that stays on it in that order."""

    fixed: dict[int, Assignment] = field(default_factory=dict)
    sequences: tuple[tuple[int, ...], ...] = ()

    def machine_of(self) -> dict[int, int]:
        """The machine each sequenced operation must stay on."""
        return {op: machine for machine, sequence in enumerate(self.sequences) for op in sequence}
