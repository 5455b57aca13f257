"""Cheap lower bounds on the makespan: a schedule that reaches one is optimal and the search can stop."""

from __future__ import annotations

from factoryos.scheduling.problem import Problem


def heads_and_tails(problem: Problem) -> tuple[list[int], list[int]]:
    """Earliest start from releases and predecessors, and the least work that must follow each operation
    (shortest durations, calendars and changeovers ignored)."""
    n = len(problem.operations)
    head, tail = [0] * n, [0] * n
    for op in problem.topological_order:
        head[op] = max(
            [problem.release(op)] + [head[p] + problem.operations[p].min_duration for p in problem.predecessors[op]]
        )
    for op in reversed(problem.topological_order):
        tail[op] = max([0] + [tail[s] + problem.operations[s].min_duration for s in problem.successors[op]])
    return head, tail


def makespan_lower_bound(problem: Problem) -> int:
    """The longest chain of operations, and the load of every machine on the operations only it can do."""
    head, tail = heads_and_tails(problem)
    bound = max((head[op] + o.min_duration + tail[op] for op, o in enumerate(problem.operations)), default=0)
    dedicated: list[list[int]] = [[] for _ in problem.machines]
    for op, operation in enumerate(problem.operations):
        if len(operation.modes) == 1:
            dedicated[operation.modes[0].machine].append(op)
    for ops in dedicated:
        if ops:
            load = sum(problem.operations[op].min_duration for op in ops)
            bound = max(bound, min(head[op] for op in ops) + load + min(tail[op] for op in ops))
    return bound
