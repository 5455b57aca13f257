from __future__ import annotations

import json

from typer.testing import CliRunner

from factoryos.bench.mrp import generated_problem
from factoryos.cli import app
from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan


def test_the_generated_problem_has_frepples_shape_and_plans_soundly():
    p = generated_problem(100)
    assert len(p.items) == 100
    assert len(p.demands) == 3 * 20
    parents = {line.parent for line in p.bom}
    assert all(sum(line.parent == parent for line in p.bom) == 3 for parent in parents)
    assert {i.source for i in p.items[80:]} == {"buy"}
    assert check_plan(p, plan(p)) == []


def test_bench_mrp_prints_the_figures():
    result = CliRunner().invoke(app, ["bench", "mrp", "--items", "50", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert {"items", "demands", "planned_orders", "seconds"} <= set(figures)
    assert figures["items"] == 50
