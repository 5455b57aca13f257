"""Holds on the hand-built history (tests/quality/history.py), on SQLite and PostgreSQL: a hold on a lot, a
serial range or an equipment's window covers the units made from it; the order lifecycle refuses to ship an
order with a held unit until the hold is released with a disposition; the twin's finished goods keep held
units back; bad requests are one-line errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from simpy import Environment

from factoryos.model.orders import CustomerOrderState
from factoryos.model.readings import to_us
from factoryos.quality.holds import Disposition, HoldError, HoldScope, check_range, covering, gravest, in_range
from factoryos.services.holds import held_scope, held_serials, list_holds, place_hold, release_hold
from factoryos.services.order_desk import Conflict, get_order, history, move_order, send_back
from factoryos.services.tenants import Caller
from factoryos.services.trace import trace_serial
from factoryos.twin.finished_goods import FinishedGoods
from factoryos.twin.part import Part
from factoryos.twin.quarantine import Quarantine

from .history import SITE, WELD_1, WELD_2, at

NOW = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)
PLANNER = Caller("test", SITE, "owner", "planner", True)


def held(engine, serials):
    with engine.connect() as connection:
        return sorted(held_serials(connection, set(serials)))


CARS = ["CAR-1", "CAR-2", "CAR-3", "CAR-4", "CAR-5"]


def test_a_lot_hold_covers_every_unit_containing_the_lot_at_any_depth(traced):
    place_hold(traced, "lot", "STEEL-1", "porosity in the coil", "qe.smith", NOW)
    assert held(traced, CARS) == ["CAR-1", "CAR-2"]


def test_a_serial_range_hold_covers_the_range_and_the_units_built_from_it(traced):
    place_hold(traced, "serials", "BODY-2", "weld spatter", "qe.smith", NOW, last="BODY-3")
    assert held(traced, CARS) == ["CAR-2", "CAR-3"]


def test_an_equipment_hold_covers_what_was_worked_there_in_the_window(traced):
    place_hold(traced, "equipment", WELD_1, "tip wear", "qe.smith", NOW, start=at(8), end=at(10))
    assert held(traced, CARS) == ["CAR-3"]
    place_hold(traced, "equipment", WELD_2, "gun cable", "qe.smith", NOW, start=at(0), end=at(24))
    assert held(traced, CARS) == ["CAR-2", "CAR-3"]


def test_an_equipment_hold_given_in_a_site_offset_covers_the_same_moments_as_in_utc(traced):
    """A window written +05:30 (a site in India) is the same instants as in UTC, stored and read back: the
    hold lists them and covers the unit worked there then, on SQLite (which keeps no zone) as on PostgreSQL."""
    ist = timezone(timedelta(hours=5, minutes=30))
    start, end = at(8).astimezone(ist), at(10).astimezone(ist)
    hold = place_hold(traced, "equipment", WELD_1, "tip wear", "qe.smith", NOW, start=start, end=end)
    assert held(traced, CARS) == ["CAR-3"]
    [listed] = list_holds(traced)
    assert (listed.id, listed.start, listed.end) == (hold.id, at(8), at(10))


def test_a_held_unit_says_so_in_its_trace_and_the_hold_has_a_recall_scope(traced):
    hold = place_hold(traced, "lot", "PAINT-1", "colour off", "qe.smith", NOW)
    assert [h["id"] for h in trace_serial(traced, "CAR-2")["holds"]] == [hold.id]
    assert trace_serial(traced, "CAR-3")["holds"] == []
    assert held_scope(traced, hold)["recall"]["shipped"] == ["CAR-1"]


def test_an_order_with_a_held_unit_does_not_ship_until_the_hold_is_released(traced):
    hold = place_hold(traced, "lot", "STEEL-1B", "supplier notice 4711", "qe.smith", NOW)
    with pytest.raises(Conflict, match="CO-2 cannot ship: CAR-2 held"):
        move_order(traced, PLANNER, "CO-2", CustomerOrderState.SHIPPED, "truck 7", NOW)
    released = release_hold(traced, hold.id, "use", "mrb.jones", NOW, "supplier's retest passed")
    assert released.disposition is Disposition.USE
    order = move_order(traced, PLANNER, "CO-2", CustomerOrderState.SHIPPED, "truck 7", NOW)
    assert order.state is CustomerOrderState.SHIPPED


def test_a_hold_on_another_orders_units_does_not_stop_this_one(traced):
    place_hold(traced, "serials", "CAR-1", "customer complaint", "qe.smith", NOW)
    order = move_order(traced, PLANNER, "CO-2", CustomerOrderState.SHIPPED, "truck 7", NOW)
    assert order.state is CustomerOrderState.SHIPPED


def test_a_hold_released_to_scrap_stays_in_the_trace_and_sends_the_built_order_back_into_production(traced):
    """CAR-2 of the built CO-2 is scrapped by a hold on its paint lot: its trace says so after the release, and
    CO-2, short of a unit, goes back into production at the release; shipped CO-1 is a recall, left as it is."""
    hold = place_hold(traced, "lot", "PAINT-1", "colour off", "qe.smith", NOW)
    released = release_hold(traced, hold.id, "scrap", "mrb.jones", NOW + timedelta(hours=1), "beyond repair")
    (kept,) = trace_serial(traced, "CAR-2")["holds"]
    assert (kept["id"], kept["disposition"], kept["released_by"]) == (hold.id, "scrap", "mrb.jones")
    assert send_back(traced, released, "mrb.jones") == ["CO-2"]
    (last, *_) = reversed(history(traced, PLANNER, "CO-2"))
    assert (last.from_state, last.to_state, last.at) == ("built", "in-production", NOW + timedelta(hours=1))
    assert "hold #1 released to scrap: CAR-2" in last.reason.replace(f"#{hold.id}", "#1")
    assert get_order(traced, PLANNER, "CO-1").state is CustomerOrderState.SHIPPED
    assert send_back(traced, released) == []  # nothing built is left in its scope
    used = release_hold(traced, place_hold(traced, "lot", "STEEL-2", "x", "qe", NOW).id, "use", "mrb", NOW)
    assert send_back(traced, used) == []


def test_a_released_hold_is_kept_with_who_when_and_why(traced):
    hold = place_hold(traced, "lot", "PAINT-2", "viscosity", "qe.smith", NOW)
    release_hold(traced, hold.id, Disposition.SCRAP, "mrb.jones", NOW, "out of shelf life")
    assert list_holds(traced, active_only=True) == []
    (kept,) = list_holds(traced)
    assert (kept.placed_by, kept.reason, kept.released_by, kept.disposition, kept.release_note) == (
        "qe.smith",
        "viscosity",
        "mrb.jones",
        Disposition.SCRAP,
        "out of shelf life",
    )
    assert kept.released_at == NOW
    with pytest.raises(HoldError, match="already released"):
        release_hold(traced, hold.id, "use", "mrb.jones", NOW)


@pytest.mark.parametrize(
    ("scope", "target", "options", "message"),
    [
        ("batch", "X", {}, "expected one of lot, serials, equipment"),
        ("lot", "  ", {}, "needs what it holds"),
        ("lot", "STEEL-1", {"reason": ""}, "needs a reason"),
        ("lot", "STEEL-1", {"by": " "}, "who places it"),
        ("serials", "CAR-9", {"last": "CAR-2"}, "first serial comes after the last"),
        ("serials", "CAR-1", {"last": "BODY-2"}, "same prefix"),
        ("equipment", WELD_1, {}, "needs its window"),
        ("equipment", WELD_1, {"start": at(9), "end": at(8)}, "at or before it starts"),
        ("lot", "STEEL-1", {"start": at(8), "end": at(9)}, "for an equipment hold"),
        ("lot", "L" * 201, {}, "target of 201 characters: the floor names nothing longer than 200"),
        ("lot", "STEEL-1", {"reason": "r" * 2001}, "a reason of 2,001 characters: at most 2,000"),
    ],
)
def test_bad_holds_are_refused_with_a_reason(engine, scope, target, options, message):
    options = dict(options)
    reason, by = options.pop("reason", "why"), options.pop("by", "who")
    with pytest.raises(HoldError, match=message):
        place_hold(engine, scope, target, reason, by, NOW, **options)
    assert list_holds(engine) == []


def test_releasing_needs_a_known_hold_and_a_disposition(engine):
    hold = place_hold(engine, "lot", "L-1", "why", "who", NOW)
    with pytest.raises(HoldError, match="expected one of use, rework, scrap"):
        release_hold(engine, hold.id, "ship-anyway", "who", NOW)
    with pytest.raises(HoldError, match="no hold 999"):
        release_hold(engine, 999, "use", "who", NOW)
    for beyond in (0, -1, 2**63, 10**20):  # past what an id column holds: refused, not a driver's overflow
        with pytest.raises(HoldError, match=f"no hold {beyond}"):
            release_hold(engine, beyond, "use", "who", NOW)
    with pytest.raises(HoldError, match="a note of 2,001 characters"):
        release_hold(engine, hold.id, "use", "who", NOW, "n" * 2001)
    assert list_holds(engine, active_only=True) == [hold]


def test_serial_ranges_compare_numbers_within_one_prefix():
    assert in_range("SN-0100", "SN-0099", "SN-0250")
    assert in_range("SN-100", "SN-0099", "SN-0250")  # the number, not the text
    assert not in_range("SN-0251", "SN-0099", "SN-0250")
    assert not in_range("XN-0100", "SN-0099", "SN-0250")
    assert not in_range("SN-", "SN-0099", "SN-0250")
    check_range("A7", "A7")
    check_range("MO0000218-1/asm-roof", "MO0000218-1/asm-roof")  # one serial, a kit's, may end in anything
    assert in_range("MO0000218-1/asm-roof", "MO0000218-1/asm-roof", "MO0000218-1/asm-roof")
    with pytest.raises(HoldError):
        check_range("A", "B")
    with pytest.raises(HoldError):
        check_range("KIT-a", "KIT-b")


def test_the_twins_finished_goods_keep_held_units_back_and_their_order_does_not_ship():
    env = Environment()
    goods = FinishedGoods(env, dispatch_every=10.0, dispatch_at=0.0)
    goods.quarantine = Quarantine(covering([hold_of("lot", "LOT-bad")]), NOW)
    goods.peg("CO-A", 0.0, 100.0, quantity=1)
    goods.peg("CO-B", 0.0, 100.0, quantity=1)
    goods.receive(Part("U-1", (), 0.0, product="cart", order="CO-A", lots=("LOT-good",)))
    goods.receive(Part("U-2", (), 0.0, product="cart", order="CO-B", lots=("LOT-bad",)))
    env.run(until=50)
    assert goods.shipped == 1
    assert goods.held_back == ["U-2"]
    assert goods.stock.get("cart", 0) == 0


def test_an_equipment_hold_covers_a_visit_overlapping_its_window_and_a_released_hold_nothing():
    window = hold_of("equipment", "line/station", start=at(1), end=at(2))
    covered = covering([window, hold_of("lot", "LOT-bad", released=True)])
    hour = 3600 * 10**6
    start = to_us(at(0))
    assert covered((), [("line/station/spindle", start + hour // 2, start + hour)])  # ends as the window opens
    assert covered((), [("line/station", start + 2 * hour - 1, None)])  # still running
    assert not covered((), [("line/station", start + 2 * hour, start + 3 * hour)])  # starts as it closes
    assert not covered((), [("line/other", start + hour, start + 2 * hour)])
    assert not covered(("U-2", "LOT-bad"), ())


def test_the_gravest_released_hold_decides_a_units_fate():
    def released(hold_id, disposition, hours):
        return dataclasses.replace(hold_of("lot", "L"), id=hold_id, released_at=at(hours), disposition=disposition)

    use, rework, rework_again, scrap = (
        released(1, Disposition.USE, 5),
        released(2, Disposition.REWORK, 1),
        released(3, Disposition.REWORK, 3),
        released(4, Disposition.SCRAP, 0),
    )
    assert gravest([use, rework, rework_again]) is rework_again  # the later of two reworks
    assert gravest([use, rework, scrap]) is scrap
    assert gravest([use]) is use
    assert gravest([hold_of("lot", "L")]) is None  # still placed: nothing decided


def hold_of(scope, target, released=False, **window):
    from factoryos.quality.holds import Hold

    return Hold(
        1,
        HoldScope(scope),
        target,
        "why",
        "who",
        NOW,
        released_at=NOW if released else None,
        **window,
    )
