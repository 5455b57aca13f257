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


def test_orders_waiting_behind_a_placing_are_placed_together_each_on_what_the_ones_before_left(engine):
    def _place(quantity: int, key: str) -> order_desk.Placed:
        return place_order(engine, ACME, _request(quantity), NOW, lambda o, q: {"promised": str(q.promised)}, key)

    store_plant(engine, _plant(), "material test plant")
    first = _place(1, "first")  # 4 motors left
    queue = order_desk._queue(engine, SITE)
    with ThreadPoolExecutor(4) as pool:
        with placing(engine, [f"{SITE}/line"]):  # the line is held: the next order waits for it
            leading = pool.submit(_place, 2, "a")
            _until(lambda: queue._placing and not queue._waiting)
            behind = [pool.submit(_place, 2, "b"), pool.submit(_place, 1, "first"), pool.submit(_place, 1, "d")]
            _until(lambda: len(queue._waiting) == 3)
        a, b, retried, d = leading.result(), *(f.result() for f in behind)
    late = str(START + timedelta(days=MOTOR_LEAD))
    assert [a.answer, b.answer, d.answer] == [{"promised": str(START)}] * 2 + [{"promised": late}]  # 2 + 2 of 4
    assert retried.replayed
    assert retried.order_id == first.order_id
    assert retried.answer == first.answer
    assert len({first.order_id, a.order_id, b.order_id, d.order_id}) == 4
    assert not queue._placing
    assert not queue._waiting
