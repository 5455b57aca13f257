"""The in-process event bus: the twin publishes here and ingestion delivers here, so consumers see one stream.

Publishing appends to the bus's event store first (idempotent on the event key) and then calls the
subscribers whose filter matches, in subscription order. A redelivered event is stored once and not
delivered again, which is what makes at-least-once transports safe to put in front of the bus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from factoryos.model.events import Event, EventKind

Handler = Callable[[Event], None]


class EventStore(Protocol):
    """Where the bus keeps events: appends each (source, seq) once and reads them back by kind and equipment."""

    def append(self, events: Iterable[Event]) -> list[Event]:
        """Store the events not seen before and return them (in the given order)."""
        ...

    def read(self, kind: EventKind | None = None, equipment_prefix: str = "") -> Iterator[Event]: ...


class MemoryEventStore:
    """An event store in memory, for the demo, the twin and tests."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._seen: set[tuple[str, int]] = set()

    def append(self, events: Iterable[Event]) -> list[Event]:
        fresh = []
        for event in events:
            if event.key not in self._seen:
                self._seen.add(event.key)
                fresh.append(event)
        self._events.extend(fresh)
        return fresh

    def read(self, kind: EventKind | None = None, equipment_prefix: str = "") -> Iterator[Event]:
        return (
            e for e in self._events if (kind is None or e.kind == kind) and e.equipment.startswith(equipment_prefix)
        )

    def __len__(self) -> int:
        return len(self._events)


@dataclass(frozen=True)
class Subscription:
    """A handler and the events it wants: these kinds (all if None) from equipment under this prefix."""

    handler: Handler
    kinds: frozenset[EventKind] | None
    equipment_prefix: str

    def matches(self, event: Event) -> bool:
        return (self.kinds is None or event.kind in self.kinds) and event.equipment.startswith(self.equipment_prefix)


class EventBus:
    """Publishes floor events to subscribers after storing them, so a redelivered event is handled once."""

    def __init__(self, store: EventStore | None = None) -> None:
        self.store: EventStore = store if store is not None else MemoryEventStore()
        self._subscriptions: list[Subscription] = []

    def subscribe(
        self, handler: Handler, kinds: Iterable[EventKind] | None = None, equipment_prefix: str = ""
    ) -> Subscription:
        subscription = Subscription(handler, frozenset(kinds) if kinds is not None else None, equipment_prefix)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.remove(subscription)

    def publish(self, event: Event) -> bool:
        """Store and deliver one event; False when it was a duplicate."""
        return bool(self.publish_many([event]))

    def publish_many(self, events: Iterable[Event]) -> int:
        fresh = self.store.append(events)
        for event in fresh:
            for subscription in self._subscriptions:
                if subscription.matches(event):
                    subscription.handler(event)
        return len(fresh)
