"""CP-SAT constraints: precedences, one operation at a time per machine, calendars, changeovers, the buffers in
front of work centers, and what a large-neighbourhood step keeps from the incumbent."""

from __future__ import annotations

from ortools.sat.python import cp_model

from factoryos.scheduling.cpsat.restriction import Restriction
from factoryos.scheduling.cpsat.variables import ModeVar, Variables
from factoryos.scheduling.problem import Buffer, Problem, occupancy

Arcs = dict[int, list[tuple[int | None, int | None, cp_model.IntVar]]]
"""Per machine with changeovers: (from operation or None for the start, to operation or None, literal)."""


def add_constraints(
    model: cp_model.CpModel, problem: Problem, variables: Variables, restriction: Restriction | None
) -> Arcs:
    """Post every constraint; returns the changeover arcs so the objective can count setup time."""
    restriction = restriction or Restriction()
    add_precedences(model, problem, variables)
    add_buffers(model, problem, variables)
    for op in range(len(problem.operations)):
        for mode in variables.modes[op]:
            add_calendar(model, problem, variables, op, mode)
    kept_order = _kept_order(restriction)
    arcs: Arcs = {}
    by_machine: list[list[tuple[int, ModeVar]]] = [[] for _ in problem.machines]
    for op, modes in enumerate(variables.modes):
        for mode in modes:
            by_machine[mode.machine].append((op, mode))
    for machine, on_machine in enumerate(by_machine):
        if not on_machine:
            continue
        if problem.machines[machine].changeover is not None:
            model.add_no_overlap(mode.interval for _, mode in on_machine)
            arcs[machine] = add_changeovers(model, problem, variables, machine, on_machine, kept_order)
            add_changeovers_in_working_time(model, problem, variables, machine, on_machine, arcs[machine])
        else:
            add_machine_capacity(model, variables, on_machine, restriction)
    for sequence in restriction.sequences:
        for before, after in zip(sequence, sequence[1:], strict=False):
            model.add(variables.end[before] <= variables.start[after])
    return arcs


def add_machine_capacity(
    model: cp_model.CpModel, variables: Variables, on_machine: list[tuple[int, ModeVar]], restriction: Restriction
) -> None:
    """One operation at a time. Operations a restriction fixes all end before the others start (it only
    fixes those that end before the freed part begins), so they become a ready time instead of intervals:
    smaller sub-problems for large-neighbourhood search."""
    fixed = [op for op, _ in on_machine if op in restriction.fixed]
    ready = max((restriction.fixed[op].end for op in fixed), default=0)
    moving = [(op, mode) for op, mode in on_machine if op not in restriction.fixed]
    for op, mode in moving if fixed else ():
        model.add(variables.start[op] >= ready).only_enforce_if([] if isinstance(mode.present, int) else [mode.present])
    model.add_no_overlap(mode.interval for _, mode in (moving if fixed else on_machine))


def add_precedences(model: cp_model.CpModel, problem: Problem, variables: Variables) -> None:
    for before, after in problem.precedences:
        model.add(variables.end[before] <= variables.start[after])


def add_buffers(model: cp_model.CpModel, problem: Problem, variables: Variables) -> None:
    """No more units waiting in a buffer at once than it holds: each passage's wait, from the end of its feeder
    to the start of its entry, is an interval taking one place (the measure `checker.overfilled` keeps). The
    units the floor holds there (feeder and entry frozen) take their places first; where they alone are more than
    the buffer holds, no schedule could mend that, and the schedule may add none. A unit whose entry alone is
    frozen is where a planner put it and is not counted."""
    for buffer in problem.buffers:
        waits = [
            model.new_interval_var(
                variables.end[feeder],
                model.new_int_var(0, variables.horizon, f"waited{feeder}_{entry}"),
                variables.start[entry],
                f"wait{feeder}_{entry}",
            )
            for _, feeder, entry in buffer.passages
            if problem.operations[entry].frozen is None
        ]
        held = [(start, end, min(units, buffer.capacity)) for start, end, units in _held(problem, buffer)]
        if len(waits) + max((units for _, _, units in held), default=0) <= buffer.capacity:
            continue
        reserve = [model.new_fixed_size_interval_var(start, end - start, "held") for start, end, _ in held]
        model.add_cumulative(waits + reserve, [1] * len(waits) + [units for _, _, units in held], buffer.capacity)


def _held(problem: Problem, buffer: Buffer) -> list[tuple[int, int, int]]:
    """How many units the floor holds in the buffer, where it holds any: (from, to, units)."""
    return occupancy(
        (problem.frozen_span(feeder)[1], problem.frozen_span(entry)[0])
        for _, feeder, entry in buffer.passages
        if problem.operations[feeder].frozen is not None and problem.operations[entry].frozen is not None
    )


def add_calendar(model: cp_model.CpModel, problem: Problem, variables: Variables, op: int, mode: ModeVar) -> None:
    """An operation starts only when its machine works and, unless interruptible, ends before the next
    stop; an interruptible one's length grows by every stop it spans."""
    unavailable = problem.machines[mode.machine].unavailable
    if not unavailable:
        return
    start, end = variables.start[op], variables.end[op]
    enforce = [] if isinstance(mode.present, int) else [mode.present]
    interruptible = problem.operations[op].interruptible
    shortest = 0 if interruptible else mode.duration
    allowed, previous_end = [], 0
    for period_start, period_end in unavailable:
        if period_start - shortest >= previous_end:
            allowed.append([previous_end, period_start - shortest if shortest else period_start - 1])
        previous_end = period_end
    allowed.append([previous_end, variables.horizon])
    model.add_linear_expression_in_domain(start, cp_model.Domain.FromIntervals(allowed)).only_enforce_if(enforce)
    if not interruptible:
        return
    size = mode.interval.size_expr()
    spanned = []
    for period_start, period_end in unavailable:
        if period_start >= variables.horizon:
            break
        before, spans, after = (model.new_bool_var(f"cal{op}_{mode.machine}_{period_start}_{k}") for k in "bsa")
        model.add_exactly_one(before, spans, after)
        model.add(end <= period_start).only_enforce_if([before, *enforce])
        model.add(start >= period_end).only_enforce_if([after, *enforce])
        model.add(start < period_start).only_enforce_if([spans, *enforce])
        model.add(end > period_end).only_enforce_if([spans, *enforce])
        spanned.append((period_end - period_start) * spans)
    model.add(size == mode.duration + sum(spanned)).only_enforce_if(enforce)


def add_changeovers(
    model: cp_model.CpModel,
    problem: Problem,
    variables: Variables,
    machine: int,
    on_machine: list[tuple[int, ModeVar]],
    kept_order: dict[int, tuple[int | None, int | None]],
) -> list[tuple[int | None, int | None, cp_model.IntVar]]:
    """A circuit through the machine's operations: an arc i -> j means j follows i directly, after the
    changeover. Operations whose order is kept only get the arcs that order allows. A schedule says no more than
    when each operation runs, and operations of no length at one instant are read in the problem's order
    (`machine_sequences`): one that follows another listed after it starts at least a unit later, or the
    checker would read them the other way round, with other changeovers."""
    nodes = {op: k + 1 for k, (op, _) in enumerate(on_machine)}
    empty = {op for op, mode in on_machine if mode.duration == 0}
    circuit: list[cp_model.ArcT] = []
    arcs: list[tuple[int | None, int | None, cp_model.IntVar]] = []

    def arc(before: int | None, after: int | None) -> None:
        if not _arc_allowed(kept_order, before, after):
            return
        literal = model.new_bool_var(f"arc{machine}_{before}_{after}")
        circuit.append((0 if before is None else nodes[before], 0 if after is None else nodes[after], literal))
        arcs.append((before, after, literal))
        if after is not None:
            setup = problem.setup_time(machine, before, after)
            ready = 0 if before is None else variables.end[before]
            if before is not None and after < before and before in empty and after in empty:
                setup = max(setup, 1)
            model.add(variables.start[after] >= ready + setup).only_enforce_if(literal)

    circuit.append((0, 0, model.new_bool_var(f"idle{machine}")))
    for op, mode in on_machine:
        if not isinstance(mode.present, int):
            circuit.append((nodes[op], nodes[op], mode.present.Not()))
        arc(None, op)
        arc(op, None)
        for other, _ in on_machine:
            if other != op:
                arc(op, other)
    model.add_circuit(circuit)
    return arcs


def add_changeovers_in_working_time(
    model: cp_model.CpModel,
    problem: Problem,
    variables: Variables,
    machine: int,
    on_machine: list[tuple[int, ModeVar]],
    arcs: list[tuple[int | None, int | None, cp_model.IntVar]],
) -> None:
    """A changeover runs just before the operation it sets the machine up for, in working time: an interval as
    long as the chosen arc's changeover, ending at the operation's start, that may not overlap the machine's
    unavailable periods (fixed intervals, in one no-overlap with them). A machine without a calendar gets nothing,
    nor a frozen operation's changeover (`Problem.changeover_to_place`)."""
    unavailable = problem.machines[machine].unavailable
    if not unavailable:
        return
    into: dict[int, list[tuple[int, cp_model.IntVar]]] = {}
    for before, after, literal in arcs:
        if after is None:
            continue
        setup = problem.changeover_to_place(machine, problem.setup_time(machine, before, after), after)
        if setup:
            into.setdefault(after, []).append((setup, literal))
    if not into:
        return
    horizon = variables.horizon
    intervals = [
        model.new_fixed_size_interval_var(start, end - start, f"off{machine}_{start}")
        for start, end in unavailable
        if start < horizon
    ]
    for op, mode in on_machine:
        if op not in into:
            continue
        times = [setup for setup, _ in into[op]]
        size = model.new_int_var_from_domain(cp_model.Domain.FromValues([0, *times]), f"setup{op}_{machine}")
        model.add(size == cp_model.LinearExpr.weighted_sum([literal for _, literal in into[op]], times))
        begin = model.new_int_var(0, horizon, f"setup_start{op}_{machine}")
        name = f"setup_iv{op}_{machine}"
        if isinstance(mode.present, int):
            intervals.append(model.new_interval_var(begin, size, variables.start[op], name))
        else:
            intervals.append(model.new_optional_interval_var(begin, size, variables.start[op], mode.present, name))
    model.add_no_overlap(intervals)


def _arc_allowed(kept_order: dict[int, tuple[int | None, int | None]], before: int | None, after: int | None) -> bool:
    """Whether `after` may follow `before` directly (None: the machine's start or end) when some operations'
    order on the machine is kept."""
    if before is not None and before in kept_order and kept_order[before][1] != after and after in kept_order:
        return False
    if after is not None and after in kept_order and kept_order[after][0] != before:
        return before is not None and before not in kept_order
    if before is not None and before in kept_order and after is None:
        return kept_order[before][1] is None
    return True


def _kept_order(restriction: Restriction) -> dict[int, tuple[int | None, int | None]]:
    """For every operation whose order is kept: its kept predecessor and successor on the machine."""
    neighbours: dict[int, tuple[int | None, int | None]] = {}
    for sequence in restriction.sequences:
        for k, op in enumerate(sequence):
            neighbours[op] = (sequence[k - 1] if k else None, sequence[k + 1] if k + 1 < len(sequence) else None)
    return neighbours
