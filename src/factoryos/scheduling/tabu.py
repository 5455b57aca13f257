"""Tabu search on machine sequences (Nowicki & Smutnicki's N5 moves) for makespan.

It applies when the problem is a plain (possibly flexible, with machines fixed) job shop: no calendars,
changeovers or frozen operations. Each step swaps the first or last two operations of a block on a
critical path, the move with the best estimated makespan that is not tabu; stagnation sends it back to
the best schedule with a random kick. Pure Python, so it pays to keep the inner loops flat.
"""

from __future__ import annotations

import random
import time

from factoryos.scheduling.pool import SharedBest
from factoryos.scheduling.problem import Problem
from factoryos.scheduling.schedule import Assignment, Schedule, machine_sequences

TENURE = 8
"""Base tabu tenure in iterations; it grows with the number of operations per machine."""
PATIENCE = 4000
"""Iterations without a new best before going back to the best with a random kick."""


def applies(problem: Problem) -> bool:
    return (
        not problem.has_setups
        and not any(m.unavailable for m in problem.machines)
        and not any(op.frozen for op in problem.operations)
    )


class _Graph:
    """The disjunctive graph of one schedule: fixed precedences plus machine order."""

    def __init__(self, problem: Problem, schedule: Schedule) -> None:
        n = len(problem.operations)
        self.n = n
        self.machine_of = [a.machine for a in schedule]
        self.duration = [problem.operations[op].duration_on(schedule[op].machine) for op in range(n)]
        self.release = [problem.release(op) for op in range(n)]
        self.preds = [list(problem.predecessors[op]) for op in range(n)]
        self.succs = [list(problem.successors[op]) for op in range(n)]
        self.sequences = [seq for seq in machine_sequences(problem, schedule)]
        self.machine_pred = [-1] * n
        self.machine_succ = [-1] * n
        for sequence in self.sequences:
            self._link(sequence)

    def _link(self, sequence: list[int]) -> None:
        for k, op in enumerate(sequence):
            self.machine_pred[op] = sequence[k - 1] if k else -1
            self.machine_succ[op] = sequence[k + 1] if k + 1 < len(sequence) else -1

    def evaluate(self) -> tuple[list[int], list[int], int]:
        """Heads (earliest starts), tails (work after) and makespan."""
        n, duration, preds, succs = self.n, self.duration, self.preds, self.succs
        mpred, msucc = self.machine_pred, self.machine_succ
        indegree = [len(preds[v]) + (mpred[v] >= 0) for v in range(n)]
        order = [v for v in range(n) if indegree[v] == 0]
        head = self.release[:]
        for v in order:
            end = head[v] + duration[v]
            for w in succs[v]:
                if head[w] < end:
                    head[w] = end
                indegree[w] -= 1
                if not indegree[w]:
                    order.append(w)
            w = msucc[v]
            if w >= 0:
                if head[w] < end:
                    head[w] = end
                indegree[w] -= 1
                if not indegree[w]:
                    order.append(w)
        tail = [0] * n
        for v in reversed(order):
            best = 0
            for w in succs[v]:
                t = tail[w] + duration[w]
                if t > best:
                    best = t
            w = msucc[v]
            if w >= 0:
                t = tail[w] + duration[w]
                if t > best:
                    best = t
            tail[v] = best
        return head, tail, max(head[v] + duration[v] + tail[v] for v in range(n))

    def critical_blocks(self, head: list[int], tail: list[int], makespan: int, rng: random.Random) -> list[list[int]]:
        """The machine blocks of one critical path (chosen at random where paths fork)."""
        duration, succs, msucc = self.duration, self.succs, self.machine_succ
        starts = [
            v for v in range(self.n) if head[v] == self.release[v] and head[v] + duration[v] + tail[v] == makespan
        ]
        v = rng.choice(starts)
        path = [v]
        while True:
            end = head[v] + duration[v]
            options = [w for w in succs[v] if head[w] == end and head[w] + duration[w] + tail[w] == makespan]
            w = msucc[v]
            if w >= 0 and head[w] == end and head[w] + duration[w] + tail[w] == makespan:
                options.append(w)
            if not options:
                break
            v = rng.choice(options)
            path.append(v)
        blocks, current = [], [path[0]]
        for a, b in zip(path, path[1:], strict=False):
            if self.machine_succ[a] == b:
                current.append(b)
            else:
                blocks.append(current)
                current = [b]
        blocks.append(current)
        return blocks

    def estimate_swap(self, u: int, v: int, head: list[int], tail: list[int]) -> int:
        """Longest path through u and v after v moves directly before u (a lower bound on the makespan)."""
        duration, mpred, msucc = self.duration, self.machine_pred, self.machine_succ
        a, b = mpred[u], msucc[v]
        head_v = max(
            [self.release[v], 0 if a < 0 else head[a] + duration[a]] + [head[x] + duration[x] for x in self.preds[v]]
        )
        head_u = max([head_v + duration[v]] + [head[x] + duration[x] for x in self.preds[u]])
        tail_u = max([0 if b < 0 else tail[b] + duration[b]] + [tail[x] + duration[x] for x in self.succs[u]])
        tail_v = max([tail_u + duration[u]] + [tail[x] + duration[x] for x in self.succs[v]])
        return max(head_v + duration[v] + tail_v, head_u + duration[u] + tail_u)

    def swap(self, machine: int, u: int, v: int) -> None:
        """Machine order ... a, u, v, b ... becomes ... a, v, u, b ..."""
        sequence = self.sequences[machine]
        k = sequence.index(u)
        sequence[k], sequence[k + 1] = v, u
        a, b = self.machine_pred[u], self.machine_succ[v]
        self.machine_pred[v], self.machine_succ[v] = a, u
        self.machine_pred[u], self.machine_succ[u] = v, b
        if a >= 0:
            self.machine_succ[a] = v
        if b >= 0:
            self.machine_pred[b] = u

    def schedule(self, head: list[int]) -> Schedule:
        return tuple(Assignment(self.machine_of[op], head[op], head[op] + self.duration[op]) for op in range(self.n))

    def snapshot(self) -> list[list[int]]:
        return [sequence[:] for sequence in self.sequences]

    def restore(self, sequences: list[list[int]]) -> None:
        self.sequences = [sequence[:] for sequence in sequences]
        for sequence in self.sequences:
            self._link(sequence)


def tabu_search(problem: Problem, pool: SharedBest, deadline: float, seed: int = 0) -> None:
    """Improve the pool's makespan until `deadline` (time.monotonic), publishing every new best and
    taking over the pool's schedule whenever another solver got further."""
    if not problem.operations:
        return
    rng = random.Random(seed)
    schedule, best_value = pool.snapshot()
    graph = _Graph(problem, schedule)
    head, tail, current = graph.evaluate()
    best_sequences = graph.snapshot()
    tabu: dict[tuple[int, int], int] = {}
    tenure = TENURE + len(problem.operations) // len(problem.machines) // 2
    stall, iteration = 0, 0
    while True:
        iteration += 1
        if iteration % 64 == 0:
            if time.monotonic() >= deadline or pool.optimal:
                return
            schedule, value = pool.snapshot()
            if value < best_value:
                graph = _Graph(problem, schedule)
                head, tail, current = graph.evaluate()
                best_value, best_sequences, stall = current, graph.snapshot(), 0
                tabu.clear()
        moves = _moves(graph.critical_blocks(head, tail, current, rng))
        if not moves:
            return
        chosen, chosen_value = None, None
        for u, v in moves:
            value = graph.estimate_swap(u, v, head, tail)
            allowed = tabu.get((u, v), -1) < iteration or value < best_value
            if allowed and (chosen_value is None or value < chosen_value):
                chosen, chosen_value = (u, v), value
        u, v = chosen if chosen is not None else rng.choice(moves)
        graph.swap(graph.machine_of[u], u, v)
        tabu[(v, u)] = iteration + tenure + rng.randrange(tenure)
        head, tail, current = graph.evaluate()
        if current < best_value:
            best_value, best_sequences, stall = current, graph.snapshot(), 0
            pool.offer(graph.schedule(head), "tabu")
        else:
            stall += 1
        if stall > PATIENCE:
            graph.restore(best_sequences)
            _kick(graph, rng)
            head, tail, current = graph.evaluate()
            tabu.clear()
            stall = 0


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
        head, tail, value = graph.evaluate()
        blocks = [b for b in graph.critical_blocks(head, tail, value, rng) if len(b) > 1]
        if not blocks:
            return
        block = rng.choice(blocks)
        k = rng.randrange(len(block) - 1)
        graph.swap(graph.machine_of[block[k]], block[k], block[k + 1])
