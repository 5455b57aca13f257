"""`factoryos plan compare` on two stored plans of the mini plant that differ by a 21-day slip of the supplier of
wheels and motors, checked against a diff computed here from the two plans' `--json` documents; on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.errors import FactoryosError
from factoryos.planning.disruption import Disruption
from factoryos.services.plan import latest_plan, plan_material, release, stored_plan_document
from factoryos.store.orders import save_orders

from .test_plan_service import START, _order, loaded  # noqa: F401  (the fixture: the mini plant and two orders)

SLIP = (Disruption("parts", delay_days=21),)


def _totals(document: dict) -> dict[tuple[str, str], float]:
    """Planned quantity per material and due date."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for order in document["planned_orders"]:
        totals[order["material"], order["due"]] += order["quantity"]
    return totals


def _covered(document: dict) -> dict[str, str]:
    """Per demand, the latest due date of the planned orders pegged to it (ISO dates sort as dates)."""
    covered: dict[str, str] = {}
    for order in document["planned_orders"]:
        for peg in order["pegging"]:
            covered[peg["demand"]] = max(covered.get(peg["demand"], order["due"]), order["due"])
    return covered


def _key(exception: dict) -> tuple[str, str, str, float]:
    return exception["kind"], exception["material"], exception["date"], round(exception["quantity"], 6)


def _compare(engine, *arguments: str) -> dict:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["plan", "compare", *arguments, "--json", "--db", url])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_two_plans_a_supplier_slip_apart_compare_as_an_independent_diff_says(loaded):  # noqa: F811
    first = plan_material(loaded, horizon_days=120, start=START).id
    second = plan_material(loaded, horizon_days=120, start=START, disruptions=SLIP).id
    found = _compare(loaded)  # the last two
    assert (found["before"], found["after"]) == (first, second)
    before, after = (stored_plan_document(loaded, latest_plan(loaded, plan_id=i)) for i in (first, second))

    old, new = _totals(before), _totals(after)
    differing = {k for k in old.keys() | new.keys() if abs(old.get(k, 0.0) - new.get(k, 0.0)) > 1e-6}
    assert differing, "the slip changes the plan"
    reported = set()
    for change in found["planned_orders"]:
        if change["date_before"]:
            reported.add((change["material"], change["date_before"]))
            assert change["quantity_before"] == old[change["material"], change["date_before"]]
        if change["date_after"]:
            reported.add((change["material"], change["date_after"]))
            assert change["quantity_after"] == new[change["material"], change["date_after"]]
    assert reported == differing
    for material in {m for m, _ in differing}:
        delta = sum(c["delta"] for c in found["planned_orders"] if c["material"] == material)
        total = sum(q for (m, _), q in new.items() if m == material) - sum(
            q for (m, _), q in old.items() if m == material
        )
        assert abs(delta - total) < 1e-6
    moved = [c for c in found["planned_orders"] if c["change"] == "moved" and c["material"] == "wheel"]
    assert moved
    assert all(c["date_after"] > c["date_before"] for c in moved)  # bought 21 days later

    was, now = {_key(e) for e in before["exceptions"]}, {_key(e) for e in after["exceptions"]}
    assert sorted(map(_key, found["exceptions"]["new"])) == sorted(now - was)
    assert sorted(map(_key, found["exceptions"]["cleared"])) == sorted(was - now)

    covered_before, covered_after = _covered(before), _covered(after)
    expected = {
        d: (covered_before.get(d), covered_after.get(d))
        for d in covered_before.keys() | covered_after.keys()
        if covered_before.get(d) != covered_after.get(d)
    }
    assert {m["customer_order"]: (m["covered_before"], m["covered_after"]) for m in found["orders_moved"]} == expected
    assert set(expected) == {"CO0000001", "CO0000002"}  # both carts wait for wheels and motors
    days = {m["customer_order"]: m["days"] for m in found["orders_moved"]}
    assert days == {"CO0000001": 8, "CO0000002": 7}  # as the what-if's coverage moves (test_plan_service)

    assert _compare(loaded, str(second), str(first))["orders_moved"][0]["days"] < 0  # the other way round


def test_plans_of_other_windows_are_compared_with_a_caveat(loaded):  # noqa: F811
    """A move pairs each material's due dates in order: between plans of other days it is not the same need,
    and the comparison says so; between plans of the same window it says nothing."""
    from datetime import timedelta

    first = plan_material(loaded, horizon_days=120, start=START).id
    second = plan_material(loaded, horizon_days=120, start=START + timedelta(days=14)).id
    caveat = _compare(loaded, str(first), str(second))["caveat"]
    assert f"plan {first} plans orders from {START} over 120 days" in caveat
    assert f"plan {second} orders from {START + timedelta(days=14)} over 120" in caveat
    third = plan_material(loaded, horizon_days=120, start=START + timedelta(days=14)).id
    assert _compare(loaded, str(second), str(third))["caveat"] is None


def test_a_plan_compared_with_itself_has_no_change(loaded):  # noqa: F811
    first = plan_material(loaded, horizon_days=120, start=START).id
    plan_material(loaded, horizon_days=120, start=START)
    found = _compare(loaded, str(first))  # against the newest, planned from the same inputs
    assert found["planned_orders"] == found["orders_moved"] == []
    assert found["exceptions"] == {"new": [], "cleared": []}


def test_two_plans_without_a_change_say_so_in_one_line(loaded):  # noqa: F811
    first = plan_material(loaded, horizon_days=120, start=START).id
    second = plan_material(loaded, horizon_days=120, start=START).id
    url = loaded.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["plan", "compare", "--db", url])
    assert result.exit_code == 0, result.output
    day = f"{START:%Y-%m-%d}"
    expected = f"plan {second} (inputs as of {day}) against plan {first} (inputs as of {day}): no change"
    assert result.output.splitlines() == [expected]
    plan_material(loaded, horizon_days=120, start=START, disruptions=SLIP)
    changed = CliRunner().invoke(app, ["plan", "compare", "--db", url]).output
    found = _compare(loaded)
    assert "planned change" in changed.splitlines()[0]
    assert ("quantity before" in changed) == bool(found["planned_orders"])  # a table only for what changed
    assert ("covered before" in changed) == bool(found["orders_moved"])
    assert ("message" in changed) == bool(found["exceptions"]["new"] or found["exceptions"]["cleared"])
    longest = max(len(found["planned_orders"]), len(found["orders_moved"]))
    assert longest > 2
    short = CliRunner().invoke(app, ["plan", "compare", "--limit", "2", "--db", url]).output
    assert f"and {longest - 2:,} more: --limit 0 or --json for all" in " ".join(short.split())
    assert "more: --limit 0" not in CliRunner().invoke(app, ["plan", "compare", "--limit", "0", "--db", url]).output


def test_an_unknown_plan_or_a_single_plan_is_a_clear_error(loaded):  # noqa: F811
    url = loaded.url.render_as_string(hide_password=False)
    runner = CliRunner()
    only = plan_material(loaded, horizon_days=120, start=START).id
    alone = runner.invoke(app, ["plan", "compare", "--db", url])
    assert isinstance(alone.exception, FactoryosError)
    assert "plan compare needs two stored plans of 'mini-site'; 1 stored" in str(alone.exception)
    unknown = runner.invoke(app, ["plan", "compare", "999", str(only), "--db", url])
    assert isinstance(unknown.exception, FactoryosError)
    assert str(unknown.exception) == f"no plan 999 is stored for 'mini-site' (the newest stored: {only})"


def test_proposals_released_between_two_plans_are_named_as_the_purchase_orders_they_became(loaded):  # noqa: F811
    """`plan compare` listed the released proposals as removed and never said they had become purchase orders,
    the one change between the plans."""
    first = plan_material(loaded, horizon_days=120, start=START)
    buys = [o.id for o in latest_plan(loaded, None, first.id).planned_orders if o.kind == "buy"]
    assert buys
    released = release(loaded, buys[:2])
    plan_material(loaded, horizon_days=120, start=START)
    found = _compare(loaded, str(first.id))
    assert found["released"] == sorted(po.id for po in released.orders)
    assert any(c["change"] in ("removed", "resized") for c in found["planned_orders"])
    url = loaded.url.render_as_string(hide_password=False)
    said = " ".join(CliRunner().invoke(app, ["plan", "compare", str(first.id), "--db", url]).output.split())
    assert f"released from plan {first.id}'s proposals" in said


def test_an_order_the_earlier_plan_did_not_plan_is_not_called_on_hand(loaded):  # noqa: F811
    """A third order arrives between two plans: the earlier plan does not plan it at all, which is not the same as
    the stock covering it; `plan compare` says so, in the table and in `--json`."""
    first = plan_material(loaded, horizon_days=120, start=START).id
    save_orders(loaded, [_order(3, "big", date(2027, 3, 26), 4)])
    plan_material(loaded, horizon_days=120, start=START)
    moved = {m["customer_order"]: m for m in _compare(loaded, str(first))["orders_moved"]}
    assert moved["CO0000003"]["covered_before"] is None
    assert moved["CO0000003"]["planned_before"] is False
    assert moved["CO0000003"]["planned_after"] is True
    assert all(m["planned_before"] for order, m in moved.items() if order != "CO0000003")
    url = loaded.url.render_as_string(hide_password=False)
    shown = CliRunner().invoke(app, ["plan", "compare", str(first), "--limit", "0", "--db", url]).output
    (row,) = [line for line in shown.splitlines() if "CO0000003" in line]
    assert "not in the plan" in row
    assert "on hand" not in row
