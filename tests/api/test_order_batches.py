"""Orders that arrive while another order is being placed wait, and are then placed together in one
transaction: each still gets its own answer, promised on what the orders before it left, and a retried
Idempotency-Key among them gets its first answer without failing the others. On the material test plant
(5 big motors on hand, more 28 days away; one a boost scooter)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from factoryos.services import order_desk
from factoryos.services.order_desk import OrderInput, place_order
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import placing
from factoryos.store.plants import store_plant

from .conftest import NOW
from .test_promise_material import BOOST, MOTOR_LEAD, START, _plant

SITE = "shared-site"
ACME = Caller("test", SITE, "acme", "partner", owner=False)


def _request(quantity: int) -> OrderInput:
    return OrderInput("acme-shop", "acme-scooter", BOOST, quantity, date(2027, 3, 1))


def _until(condition) -> None:
    """Wait (up to a minute) until `condition()` holds: the threads below reach the state the test needs."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the orders never reached the queue"
        time.sleep(0.01)


def _placer(engine):
    def place(quantity: int, key: str) -> order_desk.Placed:
        return place_order(engine, ACME, _request(quantity), NOW, lambda o, q: {"promised": str(q.promised)}, key)

    return place


def _behind_a_held_line(engine, first: tuple[int, str], behind: list[tuple[int, str]]) -> list[order_desk.Placed]:
    """Place `first` while the line is held (it takes the lead and waits), then `behind` (they queue up behind
    it), then let the line go; the answers in that order."""
    place, queue = _placer(engine), order_desk._queue(engine, SITE)
    with ThreadPoolExecutor(1 + len(behind)) as pool:
        with placing(engine, [f"{SITE}/line"]):
            leading = pool.submit(place, *first)
            _until(lambda: queue._placing and not queue._waiting)
            waiting = [pool.submit(place, *order) for order in behind]
            _until(lambda: len(queue._waiting) == len(behind))
        placed = [leading.result(), *(f.result() for f in waiting)]
    assert not queue._placing
    assert not queue._waiting
    return placed


def test_orders_waiting_behind_a_placing_go_in_one_transaction_each_on_what_the_ones_before_left(engine, monkeypatch):
    store_plant(engine, _plant(), "material test plant")
    batches = []
    book = order_desk._book
    monkeypatch.setattr(order_desk, "_book", lambda e, h, taken: batches.append(len(taken)) or book(e, h, taken))
    placed = _behind_a_held_line(engine, (2, "a"), [(2, "b"), (2, "c")])
    late = str(START + timedelta(days=MOTOR_LEAD))
    assert [p.answer for p in placed] == [{"promised": str(START)}] * 2 + [{"promised": late}]  # 2 + 2 of 5 motors
    assert batches == [1, 2]


def test_a_retried_key_in_a_batch_gets_its_first_answer_and_the_others_are_placed(engine):
    store_plant(engine, _plant(), "material test plant")
    first = _placer(engine)(1, "first")  # 4 motors left
    a, b, retried, d = _behind_a_held_line(engine, (2, "a"), [(2, "b"), (1, "first"), (1, "d")])
    late = str(START + timedelta(days=MOTOR_LEAD))
    assert [a.answer, b.answer, d.answer] == [{"promised": str(START)}] * 2 + [{"promised": late}]  # 2 + 2 of 4
    assert retried.replayed
    assert retried.order_id == first.order_id
    assert retried.answer == first.answer
    assert len({first.order_id, a.order_id, b.order_id, d.order_id}) == 4
