"""Tabu search on machine sequences (Nowicki & Smutnicki's N5 moves) for makespan.

It applies when the problem is a plain job shop (flexible ones with their machines kept): no calendars,
changeovers or frozen operations, and no zero durations (which could let a swap close a cycle). Each
step swaps the first or last two operations of a block on a critical path, picking the move with the
best estimated makespan that is not tabu; on stagnation it jumps back to an earlier best and tries
another move there. A swap only re-times what it can affect: heads after it, tails before it.

The inner loop is compiled with Numba and releases the GIL: tabu search lives on the number of moves it
makes, and interpreted Python made thirty times fewer. It runs in slices of a few thousand moves; between
slices Python looks at the clock, publishes new bests and takes over the pool's schedule when CP-SAT
(in its own thread, on the other core) got further.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numba import njit, types
from numba.typed import Dict

from factoryos.scheduling.dispatch import dispatch
from factoryos.scheduling.model import Model
from factoryos.scheduling.pool import SharedBest
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, Schedule, machine_sequences, makespan

TENURE = 10
"""Base tabu tenure in moves; it grows with jobs per machine and is drawn from [L, 1.4 L] (Zhang et al.)."""
PATIENCE = 4000
"""Moves without a new best before jumping back to an earlier best."""
ELITE = 8
"""How many earlier bests (with their untried moves) are kept for jumping back."""
SLICE = 2000
"""Moves between looks at the clock and the pool."""

_SLICE_DONE, _NEW_BEST, _AT_ELITE, _STALLED, _NO_MOVES = range(5)
"""Why the compiled loop handed back control."""
_ITERATION, _STALL, _BEST, _MOVES, _CHOSEN = range(5)
"""Slots of the loop's counters, kept between slices."""


def applies(problem: Problem) -> bool:
    """A plain job shop: no changeovers, calendars, frozen or empty operations, or buffers, which its moves do not
    know."""
    return (
        not problem.has_setups
        and not any(m.unavailable for m in problem.machines)
        and not any(op.frozen for op in problem.operations)
        and all(mode.duration > 0 for op in problem.operations for mode in op.modes)
        and not problem.buffers
    )


class _Arrays(NamedTuple):
    """The disjunctive graph of one schedule as flat arrays: precedences (as index ranges into `pred` and
    `succ`), machine order, a topological order kept up to date across swaps, heads (earliest starts),
    tails (longest work after), and scratch space for the compiled functions."""

    duration: np.ndarray
    release: np.ndarray
    pred_start: np.ndarray
    pred: np.ndarray
    succ_start: np.ndarray
    succ: np.ndarray
    sinks: np.ndarray
    machine_pred: np.ndarray
    machine_succ: np.ndarray
    order: np.ndarray
    position: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    makespan: np.ndarray
    path: np.ndarray
    moves: np.ndarray
    scratch: np.ndarray
    reached: np.ndarray


def _ranges(lists: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    start = np.zeros(len(lists) + 1, dtype=np.int64)
    start[1:] = np.cumsum([len(items) for items in lists])
    flat = np.fromiter((x for items in lists for x in items), dtype=np.int64, count=int(start[-1]))
    return start, flat


class _Graph:
    """One schedule's graph: built from a schedule, changed by swaps, read back as a schedule."""

    def __init__(self, problem: Problem, schedule: Schedule) -> None:
        n = len(problem.operations)
        self.n = n
        self.machine_of = [a.machine for a in schedule]
        machine_pred = np.full(n, -1, dtype=np.int64)
        machine_succ = np.full(n, -1, dtype=np.int64)
        for sequence in machine_sequences(problem, schedule):
            for a, b in zip(sequence, sequence[1:], strict=False):
                machine_succ[a], machine_pred[b] = b, a
        pred_start, pred = _ranges(problem.predecessors)
        succ_start, succ = _ranges(problem.successors)
        self.arrays = _Arrays(
            duration=np.array(
                [problem.operations[op].duration_on(self.machine_of[op]) for op in range(n)], dtype=np.int64
            ),
            release=np.array([problem.release(op) for op in range(n)], dtype=np.int64),
            pred_start=pred_start,
            pred=pred,
            succ_start=succ_start,
            succ=succ,
            sinks=np.array([op for op in range(n) if not problem.successors[op]], dtype=np.int64),
            machine_pred=machine_pred,
            machine_succ=machine_succ,
            order=np.zeros(n, dtype=np.int64),
            position=np.zeros(n, dtype=np.int64),
            head=np.zeros(n, dtype=np.int64),
            tail=np.zeros(n, dtype=np.int64),
            makespan=np.zeros(1, dtype=np.int64),
            path=np.zeros(n, dtype=np.int64),
            moves=np.zeros((2 * n + 2, 2), dtype=np.int64),
            scratch=np.zeros(n, dtype=np.int64),
            reached=np.zeros(n, dtype=np.bool_),
        )
        _retime(self.arrays)

    @property
    def makespan(self) -> int:
        return int(self.arrays.makespan[0])

    def moves(self) -> list[tuple[int, int]]:
        """The N5 moves on one critical path (at random where paths fork)."""
        count = _critical_moves(self.arrays)
        return [(int(u), int(v)) for u, v in self.arrays.moves[:count]]

    def estimate_swap(self, u: int, v: int) -> int:
        return int(_estimate_swap(self.arrays, u, v))

    def swap(self, u: int, v: int) -> None:
        _swap(self.arrays, u, v)

    def schedule(self) -> Schedule:
        head, duration = self.arrays.head.tolist(), self.arrays.duration.tolist()
        return tuple(Assignment(self.machine_of[op], head[op], head[op] + duration[op]) for op in range(self.n))


@functools.cache
def prepare() -> None:
    """Compile the search, or load it from Numba's cache, once per process: a first compile takes
    seconds that no solver's time limit should pay. Runs each compiled function on a two-job flow shop."""
    model = Model()
    machines = model.add_machine("lathe"), model.add_machine("mill")
    for name in ("shaft", "flange"):
        job = model.add_job(name)
        for machine in machines:
            model.add_operation(job, {machine: 2})
    graph = _Graph(model.problem(), dispatch(model.problem(), "SPT"))
    _seed(0)
    counters = np.array([0, 0, graph.makespan, 0, 0], dtype=np.int64)
    _search(graph.arrays, Dict.empty(types.int64, types.int64), counters, -1, -1, False, 1, TENURE, 1, PATIENCE)
    graph.estimate_swap(*graph.moves()[0])
    _kick(graph.arrays)


def tabu_search(
    problem: Problem, pool: SharedBest, deadline: float, seed: int = 0, max_moves: int | None = None
) -> None:
    """Improve the pool's makespan until `deadline` (time.monotonic) or after `max_moves` moves, publishing
    every new best and taking over the pool's schedule whenever another solver got further.

    On stagnation it jumps back to a recent best schedule and takes a move it did not take there
    (Nowicki & Smutnicki's back-jump tracking); with none left, it kicks the best schedule at random."""
    if not problem.operations:
        return
    _seed(seed)
    schedule, _ = pool.snapshot()
    best_value = makespan(schedule)  # in time units, as the graph's: the pool's value may weigh it
    graph = _Graph(problem, schedule)
    best = schedule
    tabu = Dict.empty(types.int64, types.int64)
    elite: list[_Elite] = []
    tenure = TENURE + len(problem.jobs) // len(problem.machines)
    spread = max(1, tenure * 2 // 5)
    counters = np.array([0, 0, best_value, 0, 0], dtype=np.int64)
    pending = (-1, -1)
    at_elite = False
    left = max_moves if max_moves is not None else -1
    while time.monotonic() < deadline and not pool.optimal and left != 0:
        schedule, _ = pool.snapshot()
        value = makespan(schedule)
        if value < counters[_BEST]:  # another solver got further: go on from its schedule, not a move of ours
            graph, best, tabu = _Graph(problem, schedule), schedule, Dict.empty(types.int64, types.int64)
            counters[_BEST], counters[_STALL] = value, 0
            pending = (-1, -1)
        moves = SLICE if left < 0 else min(SLICE, left)
        before = int(counters[_ITERATION])
        status = _search(graph.arrays, tabu, counters, *pending, at_elite, moves, tenure, spread, PATIENCE)
        if left > 0:
            left = max(0, left - max(1, int(counters[_ITERATION]) - before))
        pending, at_elite = (-1, -1), False
        if status == _NO_MOVES:
            return
        if status == _NEW_BEST:
            best = graph.schedule()
            pool.offer(best, "tabu")
            at_elite = True
        elif status == _AT_ELITE:
            chosen = int(counters[_CHOSEN])
            moves = graph.arrays.moves[: counters[_MOVES]].tolist()
            u, v = moves.pop(chosen)
            pending = (u, v)
            if moves:
                elite = [*elite[-(ELITE - 1) :], _Elite(best, moves, tabu.copy(), int(counters[_ITERATION]))]
        elif status == _STALLED and elite:
            jump = elite.pop()
            graph, tabu, counters[_ITERATION] = _Graph(problem, jump.schedule), jump.tabu.copy(), jump.iteration
            pending = min(jump.moves, key=lambda move: graph.estimate_swap(*move))
            jump.moves.remove(pending)
            if jump.moves:
                elite.append(jump)
        elif status == _STALLED:
            graph = _Graph(problem, best)
            _kick(graph.arrays)
            tabu.clear()


class _Elite:
    """A best schedule met on the way, the moves not yet tried from it and the tabu list it had."""

    def __init__(self, schedule: Schedule, moves: list[list[int]], tabu: Dict, iteration: int) -> None:
        self.schedule, self.tabu, self.iteration = schedule, tabu, iteration
        self.moves = [(u, v) for u, v in moves]


@njit(cache=True, nogil=True)
def _seed(seed: int) -> None:
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def _search(
    g: _Arrays,
    tabu: Dict,
    counters: np.ndarray,
    pending_u: int,
    pending_v: int,
    at_elite: bool,
    slice_moves: int,
    tenure: int,
    spread: int,
    patience: int,
) -> int:
    """Tabu moves until a slice is done, a new best is found, the move after a new best is chosen (so
    Python can keep the others as an elite), or the search stalls. A pending move is made first."""
    if pending_u >= 0 and _move(g, tabu, counters, pending_u, pending_v, tenure, spread):
        return _NEW_BEST
    for _ in range(slice_moves):
        counters[_ITERATION] += 1
        count = _critical_moves(g)
        if count == 0:
            return _NO_MOVES
        chosen = _choose(g, tabu, count, counters[_ITERATION], counters[_BEST])
        if at_elite:
            counters[_MOVES], counters[_CHOSEN] = count, chosen
            return _AT_ELITE
        if _move(g, tabu, counters, g.moves[chosen, 0], g.moves[chosen, 1], tenure, spread):
            return _NEW_BEST
        if counters[_STALL] > patience:
            counters[_STALL] = 0
            return _STALLED
    return _SLICE_DONE


@njit(cache=True, nogil=True)
def _move(g: _Arrays, tabu: Dict, counters: np.ndarray, u: int, v: int, tenure: int, spread: int) -> bool:
    """Swap u and v, make the reverse swap tabu for a while, and say whether that gave a new best."""
    n = len(g.head)
    _swap(g, u, v)
    tabu[v * n + u] = counters[_ITERATION] + tenure + np.random.randint(spread)
    if g.makespan[0] < counters[_BEST]:
        counters[_BEST], counters[_STALL] = g.makespan[0], 0
        return True
    counters[_STALL] += 1
    return False


@njit(cache=True, nogil=True)
def _choose(g: _Arrays, tabu: Dict, count: int, iteration: int, best_value: int) -> int:
    """The move with the best estimate that is not tabu (or would give a new best); at random if all are."""
    n = len(g.head)
    chosen, chosen_value = -1, 0
    for k in range(count):
        u, v = g.moves[k, 0], g.moves[k, 1]
        value = _estimate_swap(g, u, v)
        allowed = tabu.get(u * n + v, -1) < iteration or value < best_value
        if allowed and (chosen < 0 or value < chosen_value):
            chosen, chosen_value = k, value
    return chosen if chosen >= 0 else np.random.randint(count)


@njit(cache=True, nogil=True)
def _retime(g: _Arrays) -> None:
    _sort(g)
    _heads_from(g, 0)
    _tails_to(g, len(g.head) - 1)


@njit(cache=True, nogil=True)
def _sort(g: _Arrays) -> None:
    n = len(g.head)
    indegree = g.scratch
    for v in range(n):
        indegree[v] = g.pred_start[v + 1] - g.pred_start[v] + (1 if g.machine_pred[v] >= 0 else 0)
    size = 0
    for v in range(n):
        if indegree[v] == 0:
            g.order[size] = v
            size += 1
    k = 0
    while k < size:
        v = g.order[k]
        k += 1
        for i in range(g.succ_start[v], g.succ_start[v + 1]):
            w = g.succ[i]
            indegree[w] -= 1
            if indegree[w] == 0:
                g.order[size] = w
                size += 1
        w = g.machine_succ[v]
        if w >= 0:
            indegree[w] -= 1
            if indegree[w] == 0:
                g.order[size] = w
                size += 1
    for k in range(n):
        g.position[g.order[k]] = k


@njit(cache=True, nogil=True)
def _latest(
    start: np.ndarray, neighbours: np.ndarray, time: np.ndarray, duration: np.ndarray, v: int, least: int
) -> int:
    """The larger of `least` and the latest time + duration over v's job neighbours (start and
    neighbours as ranges); with predecessors and heads, when v can start; with successors and tails,
    the longest work after v."""
    for i in range(start[v], start[v + 1]):
        x = neighbours[i]
        if time[x] + duration[x] > least:
            least = time[x] + duration[x]
    return least


@njit(cache=True, nogil=True)
def _after_job_predecessors(g: _Arrays, v: int, earliest: int) -> int:
    return _latest(g.pred_start, g.pred, g.head, g.duration, v, earliest)


@njit(cache=True, nogil=True)
def _before_job_successors(g: _Arrays, v: int, least: int) -> int:
    return _latest(g.succ_start, g.succ, g.tail, g.duration, v, least)


@njit(cache=True, nogil=True)
def _heads_from(g: _Arrays, first: int) -> None:
    head, duration = g.head, g.duration
    for k in range(first, len(head)):
        v = g.order[k]
        p = g.machine_pred[v]
        head[v] = _after_job_predecessors(g, v, max(g.release[v], head[p] + duration[p] if p >= 0 else 0))
    makespan = 0
    for v in g.sinks:
        if head[v] + duration[v] > makespan:
            makespan = head[v] + duration[v]
    g.makespan[0] = makespan


@njit(cache=True, nogil=True)
def _tails_to(g: _Arrays, last: int) -> None:
    tail, duration = g.tail, g.duration
    for k in range(last, -1, -1):
        v = g.order[k]
        s = g.machine_succ[v]
        tail[v] = _before_job_successors(g, v, tail[s] + duration[s] if s >= 0 else 0)


@njit(cache=True, nogil=True)
def _critical_moves(g: _Arrays) -> int:
    """Trace one critical path back from its end (at random where paths fork) into g.path, then write
    the N5 moves of its machine blocks into g.moves: the first two and the last two operations of each
    block, except at the path's ends. Returns how many moves there are."""
    head, duration, path = g.head, g.duration, g.path
    ends = 0
    for v in g.sinks:
        if head[v] + duration[v] == g.makespan[0]:
            ends += 1
    pick = np.random.randint(ends)
    v = -1
    for w in g.sinks:
        if head[w] + duration[w] == g.makespan[0]:
            if pick == 0:
                v = w
                break
            pick -= 1
    length = 0
    path[length] = v
    length += 1
    while head[v] > g.release[v] or head[v] > 0:
        options = 0
        for i in range(g.pred_start[v], g.pred_start[v + 1]):
            p = g.pred[i]
            if head[p] + duration[p] == head[v]:
                options += 1
        mp = g.machine_pred[v]
        if mp >= 0 and head[mp] + duration[mp] == head[v]:
            options += 1
        if options == 0:
            break
        pick = np.random.randint(options)
        chosen = -1
        for i in range(g.pred_start[v], g.pred_start[v + 1]):
            p = g.pred[i]
            if head[p] + duration[p] == head[v]:
                if pick == 0:
                    chosen = p
                    break
                pick -= 1
        if chosen < 0:
            chosen = mp
        v = chosen
        path[length] = v
        length += 1
    path[:length] = path[:length][::-1].copy()
    count = 0
    block_start = 0
    first_block = True
    for k in range(1, length + 1):
        if k < length and g.machine_succ[path[k - 1]] == path[k]:
            continue
        size = k - block_start
        last_block = k == length
        if size >= 2:
            if not first_block:
                g.moves[count, 0], g.moves[count, 1] = path[block_start], path[block_start + 1]
                count += 1
            if not last_block and (size > 2 or first_block):
                g.moves[count, 0], g.moves[count, 1] = path[k - 2], path[k - 1]
                count += 1
        block_start = k
        first_block = False
    return count


@njit(cache=True, nogil=True)
def _estimate_swap(g: _Arrays, u: int, v: int) -> int:
    """Longest path through u and v once v moves directly before u (a lower bound on the makespan)."""
    head, tail, duration = g.head, g.tail, g.duration
    a, b = g.machine_pred[u], g.machine_succ[v]
    head_v = _after_job_predecessors(g, v, max(g.release[v], head[a] + duration[a] if a >= 0 else 0))
    head_u = _after_job_predecessors(g, u, head_v + duration[v])
    tail_u = _before_job_successors(g, u, tail[b] + duration[b] if b >= 0 else 0)
    tail_v = _before_job_successors(g, v, tail_u + duration[u])
    longest: int = max(head_v + duration[v] + tail_v, head_u + duration[u] + tail_u)
    return longest


@njit(cache=True, nogil=True)
def _swap(g: _Arrays, u: int, v: int) -> None:
    """Machine order ... a, u, v, b ... becomes ... a, v, u, b ...; re-time what that can change."""
    a, b = g.machine_pred[u], g.machine_succ[v]
    g.machine_pred[v], g.machine_succ[v] = a, u
    g.machine_pred[u], g.machine_succ[u] = v, b
    if a >= 0:
        g.machine_succ[a] = v
    if b >= 0:
        g.machine_pred[b] = u
    first, last = g.position[u], g.position[v]
    reached, segment = g.reached, g.scratch
    reached[u] = True
    before = 0
    for k in range(first + 1, last):
        w = g.order[k]
        hit = g.machine_pred[w] >= 0 and reached[g.machine_pred[w]]
        i = g.pred_start[w]
        while not hit and i < g.pred_start[w + 1]:
            hit = reached[g.pred[i]]
            i += 1
        reached[w] = hit
        if not hit:
            segment[before] = w
            before += 1
    after = before + 2
    segment[before], segment[before + 1] = v, u
    for k in range(first + 1, last):
        w = g.order[k]
        if reached[w]:
            segment[after] = w
            after += 1
            reached[w] = False
    reached[u] = False
    for k in range(after):
        g.order[first + k] = segment[k]
        g.position[segment[k]] = first + k
    _heads_from(g, first)
    _tails_to(g, g.position[u])


@njit(cache=True, nogil=True)
def _kick(g: _Arrays) -> None:
    """A few random swaps of critical neighbours, to leave a local optimum the tabu list cannot."""
    for _ in range(3):
        count = _critical_moves(g)
        if count == 0:
            return
        k = np.random.randint(count)
        _swap(g, g.moves[k, 0], g.moves[k, 1])
