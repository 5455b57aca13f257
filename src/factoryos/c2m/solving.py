"""A product's valid configurations as a CP-SAT model: the configurator's answer when the rules tie too
many families together for the decision diagram (`factoryos.c2m.counting`) to compile.

The same clauses, one Boolean per option, exactly one option per family. Completion, feasibility and the
selectable options stay exact (one solve each, or one per option for the selectable ones); only counting and
uniform sampling need the diagram.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from factoryos.c2m.counting import Clause
from factoryos.model.plant import Product


class SatConfigurations:
    """The valid configurations of a product, asked of CP-SAT one question at a time."""

    def __init__(self, product: Product, clauses: Sequence[Clause]) -> None:
        self.options = {f: tuple(fam.options) for f, fam in product.option_families.items()}
        self.clauses = list(clauses)
        self.empty = any(not c.literals for c in self.clauses)

    def _model(self, choices: Mapping[str, str]) -> tuple[Any, Any, dict[tuple[str, str], Any]]:
        from ortools.sat.python import cp_model  # the fallback only: keep the solver off the import path

        model = cp_model.CpModel()
        chosen = {(f, o): model.new_bool_var(f"{f}={o}") for f, options in self.options.items() for o in options}
        for family, options in self.options.items():
            model.add_exactly_one(chosen[family, o] for o in options)
        for clause in self.clauses:
            model.add_bool_or([chosen[f, o] for f, allowed in clause.literals for o in allowed if (f, o) in chosen])
        for family, option in choices.items():
            if (family, option) not in chosen:
                model.add_bool_or([])
            else:
                model.add(chosen[family, option] == 1)
        return cp_model, model, chosen

    def _solve(
        self, choices: Mapping[str, str], cost: Callable[[str, str], int] | None = None
    ) -> dict[str, str] | None:
        cp_model, model, chosen = self._model(choices)
        if cost is not None:
            model.minimize(sum(cost(f, o) * var for (f, o), var in chosen.items()))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return {f: o for (f, o), var in chosen.items() if solver.value(var)}

    def feasible(self, choices: Mapping[str, str]) -> bool:
        return not self.empty and self._solve(choices) is not None

    def selectable(self, choices: Mapping[str, str]) -> dict[str, set[str]]:
        """Per family, the options a valid configuration takes with the other families' choices: one solve for
        the family left open, then one per other option."""
        result: dict[str, set[str]] = {}
        for family, options in self.options.items():
            others = {f: o for f, o in choices.items() if f != family}
            first = None if self.empty else self._solve(others)
            found = set() if first is None else {first[family]}
            if first is not None:
                found |= {o for o in options if o not in found and self._solve({**others, family: o}) is not None}
            result[family] = found
        return result

    def cheapest(
        self, choices: Mapping[str, str], cost: Callable[[str, str], tuple[int, float]]
    ) -> dict[str, str] | None:
        """Least `cost` summed over families, lexicographic: the int first, then the float to the hundredth."""
        if self.empty:
            return None
        first = self._solve(choices, lambda f, o: cost(f, o)[0])
        if first is None:
            return None
        cp_model, model, chosen = self._model(choices)
        model.add(
            sum(cost(f, o)[0] * var for (f, o), var in chosen.items()) <= sum(cost(f, o)[0] for f, o in first.items())
        )
        model.minimize(sum(round(cost(f, o)[1] * 100) * var for (f, o), var in chosen.items()))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return first
        return {f: o for (f, o), var in chosen.items() if solver.value(var)}
