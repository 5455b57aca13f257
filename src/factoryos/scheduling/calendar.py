"""Time on a machine with unavailable periods: where an operation may start and when it finishes."""

from __future__ import annotations

from bisect import bisect_right

Periods = tuple[tuple[int, int], ...]


def finish(unavailable: Periods, start: int, duration: int, interruptible: bool) -> int:
    """When an operation started at `start` ends: an interruptible one pauses across unavailable periods."""
    end = start + duration
    if not interruptible:
        return end
    for period_start, period_end in unavailable[max(bisect_right(unavailable, (start, start)) - 1, 0) :]:
        if period_end <= start:
            continue
        if period_start >= end:
            break
        end += period_end - max(period_start, start)
    return end


def earliest_start(unavailable: Periods, time: int, duration: int, interruptible: bool, setup: int = 0) -> int:
    """The first start >= `time` at which the operation may run: not inside an unavailable period and,
    unless interruptible, ending before the next one begins. A changeover of `setup` runs in one piece just
    before the start, in working time: nobody changes a die over while the plant is closed. The caller's `time`
    already leaves room for it after the machine's previous operation."""
    while True:
        time = _open_start(unavailable, time, duration, interruptible)
        if not setup:
            return time
        i = bisect_right(unavailable, (time, time)) - 1  # the last period before `time`, which it is not inside
        if i < 0 or unavailable[i][1] <= time - setup:
            return time
        time = unavailable[i][1] + setup


def _open_start(unavailable: Periods, time: int, duration: int, interruptible: bool) -> int:
    """`earliest_start` without a changeover."""
    i = max(bisect_right(unavailable, (time, time)) - 1, 0)
    while i < len(unavailable):
        period_start, period_end = unavailable[i]
        if period_end <= time:
            i += 1
            continue
        if time >= period_start or (not interruptible and time + duration > period_start and duration > 0):
            time = period_end
            i += 1
            continue
        break
    return time


def blocked(unavailable: Periods, start: int, end: int, interruptible: bool) -> bool:
    """Whether an operation occupying [start, end) breaks the calendar."""
    i = max(bisect_right(unavailable, (start, start)) - 1, 0)
    for period_start, period_end in unavailable[i:]:
        if period_start >= max(end, start + 1):
            return False
        if period_end <= start:
            continue
        if period_start <= start < period_end:
            return True
        if not interruptible and period_start < end:
            return True
    return False


def off_during(unavailable: Periods, start: int, end: int) -> tuple[int, int] | None:
    """The first unavailable period that overlaps [start, end), if any: where a changeover over it would be
    done while the machine is off. An empty stretch overlaps none."""
    if start >= end:
        return None
    i = max(bisect_right(unavailable, (start, start)) - 1, 0)
    for period_start, period_end in unavailable[i:]:
        if period_start >= end:
            return None
        if period_end > start:
            return period_start, period_end
    return None
