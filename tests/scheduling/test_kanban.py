"""`kanban.Places.room_from` against a count by brute force: the earliest instant from which one more place is free
for good, the places whose freeing is not known yet held for ever."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from factoryos.scheduling.kanban import Places

instants = st.lists(st.integers(0, 50), max_size=12)


def _held(places: Places, t: int) -> int:
    return sum(1 for at in places.taken if at <= t) - sum(1 for at in places.freed if at <= t)


def _room_by_count(places: Places, at: int) -> int | None:
    """Try `at` and every later instant a place is taken or freed: the first after which none is full."""
    later = sorted({t for t in places.taken + places.freed if t > at})
    for start in [at, *later]:
        if all(_held(places, t) < places.capacity for t in [start, *later] if t >= start):
            return start
    return None


@given(instants, instants, st.integers(1, 4), st.integers(0, 50))
def test_room_from_agrees_with_a_count(taken, freed, capacity, at):
    places = Places(capacity)
    places.taken = sorted(taken)
    places.freed = sorted(freed[: len(taken)])  # no more freed than taken
    assert places.room_from(at) == _room_by_count(places, at)
