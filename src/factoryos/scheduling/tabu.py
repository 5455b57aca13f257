"""Tabu search on machine sequences (Nowicki & Smutnicki's N5 moves) for makespan.

It applies when the problem is a plain job shop (flexible ones with their machines kept): no calendars,
changeovers or frozen operations, and no zero durations (which could let a swap close a cycle). Each
step swaps the first or last two operations of a block on a critical path, picking the move with the
best estimated makespan that is not tabu; on stagnation it jumps back to an earlier best and tries
another move there. Pure Python, so a swap only re-times what it can affect: heads after it, tails
before it.
"""

from __future__ import annotations

import random
import time

from factoryos.scheduling.pool import SharedBest
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, Schedule, machine_sequences

TENURE = 10
"""Base tabu tenure in iterations; it grows with jobs per machine and is drawn from [L, 1.4 L] (Zhang et al.)."""
PATIENCE = 4000
"""Iterations without a new best before jumping back to an earlier best."""
ELITE = 8
"""How many earlier bests (with their untried moves) are kept for jumping back."""


def applies(problem: Problem) -> bool:
    return (
        not problem.has_setups
        and not any(m.unavailable for m in problem.machines)
        and not any(op.frozen for op in problem.operations)
        and all(mode.duration > 0 for op in problem.operations for mode in op.modes)
    )


class _Graph:
    """The disjunctive graph of one schedule (precedences plus machine order), with its heads (earliest
    starts), tails (longest work after) and a topological order kept up to date across swaps."""

    def __init__(self, problem: Problem, schedule: Schedule) -> None:
        n = len(problem.operations)
        self.n = n
        self.machine_of = [a.machine for a in schedule]
        self.duration = [problem.operations[op].duration_on(schedule[op].machine) for op in range(n)]
        self.release = [problem.release(op) for op in range(n)]
        self.preds = [problem.predecessors[op] for op in range(n)]
        self.succs = [problem.successors[op] for op in range(n)]
        self.sinks = [op for op in range(n) if not self.succs[op]]
        self.sequences = machine_sequences(problem, schedule)
        self.machine_pred = [-1] * n
        self.machine_succ = [-1] * n
        for sequence in self.sequences:
            for k, op in enumerate(sequence):
                self.machine_pred[op] = sequence[k - 1] if k else -1
                self.machine_succ[op] = sequence[k + 1] if k + 1 < len(sequence) else -1
        self.order: list[int] = []
        self.position = [0] * n
        self.head = [0] * n
        self.tail = [0] * n
        self.makespan = 0
        self._sort()
        self._heads_from(0)
        self._tails_to(n - 1)

    def _sort(self) -> None:
        mpred, msucc, succs = self.machine_pred, self.machine_succ, self.succs
        indegree = [len(self.preds[v]) + (mpred[v] >= 0) for v in range(self.n)]
        order = [v for v in range(self.n) if indegree[v] == 0]
        for v in order:
            for w in succs[v]:
                indegree[w] -= 1
                if not indegree[w]:
                    order.append(w)
            w = msucc[v]
            if w >= 0:
                indegree[w] -= 1
                if not indegree[w]:
                    order.append(w)
        self.order = order
        for k, v in enumerate(order):
            self.position[v] = k

    def _heads_from(self, first: int) -> None:
        head, duration, release, preds, mpred = self.head, self.duration, self.release, self.preds, self.machine_pred
        order = self.order
        for k in range(first, self.n):
            v = order[k]
            best = release[v]
            for p in preds[v]:
                t = head[p] + duration[p]
                if t > best:
                    best = t
            p = mpred[v]
            if p >= 0:
                t = head[p] + duration[p]
                if t > best:
                    best = t
            head[v] = best
        self.makespan = max(head[v] + duration[v] for v in self.sinks)

    def _tails_to(self, last: int) -> None:
        tail, duration, succs, msucc, order = self.tail, self.duration, self.succs, self.machine_succ, self.order
        for k in range(last, -1, -1):
            v = order[k]
            best = 0
            for s in succs[v]:
                t = tail[s] + duration[s]
                if t > best:
                    best = t
            s = msucc[v]
            if s >= 0:
                t = tail[s] + duration[s]
                if t > best:
                    best = t
            tail[v] = best

    def critical_blocks(self, rng: random.Random) -> list[list[int]]:
        """The machine blocks of one critical path, traced back from its end (at random where paths fork)."""
        head, duration, preds, mpred = self.head, self.duration, self.preds, self.machine_pred
        v = rng.choice([v for v in self.sinks if head[v] + duration[v] == self.makespan])
        path = [v]
        while head[v] > self.release[v] or (head[v] and (preds[v] or mpred[v] >= 0)):
            options = [p for p in preds[v] if head[p] + duration[p] == head[v]]
            p = mpred[v]
            if p >= 0 and head[p] + duration[p] == head[v]:
                options.append(p)
            if not options:
                break
            v = options[0] if len(options) == 1 else rng.choice(options)
            path.append(v)
        path.reverse()
        blocks, current = [], [path[0]]
        for a, b in zip(path, path[1:], strict=False):
            if self.machine_succ[a] == b:
                current.append(b)
            else:
                blocks.append(current)
                current = [b]
        blocks.append(current)
        return blocks

    def estimate_swap(self, u: int, v: int) -> int:
        """Longest path through u and v once v moves directly before u (a lower bound on the makespan)."""
        head, tail, duration = self.head, self.tail, self.duration
        a, b = self.machine_pred[u], self.machine_succ[v]
        head_v = max(
            [self.release[v], 0 if a < 0 else head[a] + duration[a]] + [head[x] + duration[x] for x in self.preds[v]]
        )
        head_u = max([head_v + duration[v]] + [head[x] + duration[x] for x in self.preds[u]])
        tail_u = max([0 if b < 0 else tail[b] + duration[b]] + [tail[x] + duration[x] for x in self.succs[u]])
        tail_v = max([tail_u + duration[u]] + [tail[x] + duration[x] for x in self.succs[v]])
        return max(head_v + duration[v] + tail_v, head_u + duration[u] + tail_u)

    def swap(self, u: int, v: int) -> None:
        """Machine order ... a, u, v, b ... becomes ... a, v, u, b ...; re-time what that can change."""
        sequence = self.sequences[self.machine_of[u]]
        k = sequence.index(u)
        sequence[k], sequence[k + 1] = v, u
        a, b = self.machine_pred[u], self.machine_succ[v]
        self.machine_pred[v], self.machine_succ[v] = a, u
        self.machine_pred[u], self.machine_succ[u] = v, b
        if a >= 0:
            self.machine_succ[a] = v
        if b >= 0:
            self.machine_pred[b] = u
        first, last = self.position[u], self.position[v]
        reached, before, after = {u}, [], []
        preds, mpred = self.preds, self.machine_pred
        for w in self.order[first + 1 : last]:
            if mpred[w] in reached or any(p in reached for p in preds[w]):
                reached.add(w)
                after.append(w)
            else:
                before.append(w)
        segment = [*before, v, u, *after]
        self.order[first : last + 1] = segment
        for k, w in enumerate(segment, start=first):
            self.position[w] = k
        self._heads_from(first)
        self._tails_to(self.position[u])

    def schedule(self) -> Schedule:
        head, duration = self.head, self.duration
        return tuple(Assignment(self.machine_of[op], head[op], head[op] + duration[op]) for op in range(self.n))


def tabu_search(problem: Problem, pool: SharedBest, deadline: float, seed: int = 0) -> None:
    """Improve the pool's makespan until `deadline` (time.monotonic), publishing every new best and
    taking over the pool's schedule whenever another solver got further.

    On stagnation it jumps back to a recent best schedule and takes a move it did not take there
    (Nowicki & Smutnicki's back-jump tracking); with none left, it kicks the best schedule at random."""
    if not problem.operations:
        return
    rng = random.Random(seed)
    schedule, best_value = pool.snapshot()
    graph = _Graph(problem, schedule)
    best = schedule
    tabu: dict[tuple[int, int], int] = {}
    elite: list[_Elite] = []
    tenure = TENURE + len(problem.jobs) // len(problem.machines)
    spread = max(1, tenure * 2 // 5)
    stall, iteration, steps, new_best = 0, 0, 0, False
    while True:
        iteration += 1
        steps += 1
        if steps % 64 == 0:
            if time.monotonic() >= deadline or pool.optimal:
                return
            schedule, value = pool.snapshot()
            if value < best_value:
                graph, best, best_value, stall = _Graph(problem, schedule), schedule, value, 0
                tabu.clear()
        moves = _moves(graph.critical_blocks(rng))
        if not moves:
            return
        u, v = _choose(graph, moves, tabu, iteration, best_value, rng)
        if new_best:
            others = [move for move in moves if move != (u, v)]
            if others:
                elite = [*elite[-(ELITE - 1) :], _Elite(best, others, dict(tabu), iteration)]
            new_best = False
        graph.swap(u, v)
        tabu[(v, u)] = iteration + tenure + rng.randrange(spread)
        if graph.makespan < best_value:
            best, best_value, stall, new_best = graph.schedule(), graph.makespan, 0, True
            pool.offer(best, "tabu")
        else:
            stall += 1
        if stall > PATIENCE:
            stall = 0
            if elite:
                jump = elite.pop()
                graph, tabu, iteration = _Graph(problem, jump.schedule), dict(jump.tabu), jump.iteration
                u, v = min(jump.moves, key=lambda move: graph.estimate_swap(*move))
                jump.moves.remove((u, v))
                if jump.moves:
                    elite.append(jump)
                graph.swap(u, v)
                tabu[(v, u)] = iteration + tenure + rng.randrange(spread)
            else:
                graph = _Graph(problem, best)
                _kick(graph, rng)
                tabu.clear()


class _Elite:
    """A best schedule met on the way, the moves not yet tried from it and the tabu list it had."""

    def __init__(self, schedule: Schedule, moves: list[tuple[int, int]], tabu: dict, iteration: int) -> None:
        self.schedule, self.moves, self.tabu, self.iteration = schedule, moves, tabu, iteration


def _choose(
    graph: _Graph,
    moves: list[tuple[int, int]],
    tabu: dict[tuple[int, int], int],
    iteration: int,
    best_value: int,
    rng: random.Random,
) -> tuple[int, int]:
    """The move with the best estimate that is not tabu (or would give a new best); at random if all are."""
    chosen, chosen_value = None, None
    for u, v in moves:
        value = graph.estimate_swap(u, v)
        allowed = tabu.get((u, v), -1) < iteration or value < best_value
        if allowed and (chosen_value is None or value < chosen_value):
            chosen, chosen_value = (u, v), value
    return chosen if chosen is not None else rng.choice(moves)


def _moves(blocks: list[list[int]]) -> list[tuple[int, int]]:
    """N5: swap the first two and the last two operations of each block, except at the path's ends."""
    moves = []
    last = len(blocks) - 1
    for k, block in enumerate(blocks):
        if len(block) < 2:
            continue
        if k > 0:
            moves.append((block[0], block[1]))
        if k < last and (len(block) > 2 or k == 0):
            moves.append((block[-2], block[-1]))
    return moves


def _kick(graph: _Graph, rng: random.Random) -> None:
    """A few random swaps of critical neighbours, to leave a local optimum the tabu list cannot."""
    for _ in range(3):
        blocks = [b for b in graph.critical_blocks(rng) if len(b) > 1]
        if not blocks:
            return
        block = rng.choice(blocks)
        k = rng.randrange(len(block) - 1)
        graph.swap(block[k], block[k + 1])
