"""An event store for long runs: delivers everything, keeps a bounded tail and counts by kind.

The bus's `MemoryEventStore` keeps every event and every key, which a month of a plant (millions of events)
does not fit in. The twin's keys are unique by construction (one source, a running sequence), so this store
skips the duplicate check.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator

from factoryos.model.events import Event, EventKind


class RollingEventStore:
    """An event store that keeps only the last `keep` events and counts every event by kind."""

    def __init__(self, keep: int = 100_000) -> None:
        self.tail: deque[Event] = deque(maxlen=keep)
        self.counts: Counter[str] = Counter()
        self.total = 0

    def append(self, events: Iterable[Event]) -> list[Event]:
        fresh = list(events)
        self.tail.extend(fresh)
        self.total += len(fresh)
        for event in fresh:
            self.counts[event.kind] += 1
        return fresh

    def read(self, kind: EventKind | None = None, equipment_prefix: str = "") -> Iterator[Event]:
        return (e for e in self.tail if (kind is None or e.kind == kind) and e.equipment.startswith(equipment_prefix))

    def __len__(self) -> int:
        return self.total
