"""Orders that arrive while another order is being placed wait, and are then placed together in one
transaction: each still gets its own answer, promised on what the orders before it left, and a retried
Idempotency-Key among them gets its first answer without failing the others. On the material test plant
(5 big motors on hand, more 28 days away; one a boost scooter)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from factoryos.services import order_desk
from factoryos.services.order_desk import OrderInput, submit_order
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import placing
from factoryos.store.orders import list_orders
from factoryos.store.plants import store_plant

from .conftest import BOOST, MOTOR_LEAD, NOW, START, planned_motors_plant

SITE = "shared-site"
ACME = Caller("test", SITE, "acme", "partner", owner=False)


def _request(quantity: int) -> OrderInput:
    return OrderInput("acme-shop", "acme-scooter", BOOST, quantity, NOW.date())


def _until(condition) -> None:
    """Wait (up to a minute) until `condition()` holds: the threads below reach the state the test needs."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, "the orders never reached the queue"
        time.sleep(0.01)


def _placer(engine):
    def place(quantity: int, key: str) -> order_desk.Placed:
        answer = lambda o, q: {"promised": str(q.promised)}  # noqa: E731
        return submit_order(engine, ACME, _request(quantity), NOW, answer, key).result()

    return place


def _behind_a_held_line(engine, first: tuple[int, str], behind: list[tuple[int, str]]) -> list[order_desk.Placed]:
    """Place `first` while the line is held (it takes the lead and waits), then `behind` (they queue up behind
    it, in order), then let the line go; the answers in that order."""
    place, queue = _placer(engine), order_desk._queue(engine, SITE)
    with ThreadPoolExecutor(1 + len(behind)) as pool:
        with placing(engine, [f"{SITE}/line"]):
            leading = pool.submit(place, *first)
            _until(lambda: queue._placing and not queue._waiting)
            waiting = []
            for order in behind:  # one by one, so that they queue in this order
                waiting.append(pool.submit(place, *order))
                _until(lambda: len(queue._waiting) == len(waiting))
        placed = [leading.result(), *(f.result() for f in waiting)]
    assert not queue._placing
    assert not queue._waiting
    return placed


def test_orders_waiting_behind_a_placing_go_in_one_transaction_each_on_what_the_ones_before_left(engine, monkeypatch):
    store_plant(engine, planned_motors_plant(), "material test plant")
    batches = _counting_batches(monkeypatch)
    placed = _behind_a_held_line(engine, (2, "a"), [(2, "b"), (2, "c")])
    late = str(START + timedelta(days=MOTOR_LEAD))
    assert [p.answer for p in placed] == [{"promised": str(START)}] * 2 + [{"promised": late}]  # 2 + 2 of 5 motors
    assert batches == [1, 2]


def _counting_batches(monkeypatch) -> list[int]:
    """The sizes of the transactions `_book` is asked to place, in order."""
    batches: list[int] = []
    book = order_desk._book
    monkeypatch.setattr(order_desk, "_book", lambda e, h, taken: batches.append(len(taken)) or book(e, h, taken))
    return batches


def test_a_retried_key_in_a_batch_gets_its_first_answer_and_the_others_are_placed(engine, monkeypatch):
    store_plant(engine, planned_motors_plant(), "material test plant")
    first = _placer(engine)(1, "first")  # 4 motors left
    batches = _counting_batches(monkeypatch)
    a, b, retried, d = _behind_a_held_line(engine, (2, "a"), [(2, "b"), (1, "first"), (1, "d")])
    assert batches == [1, 3]  # the retry is found when its batch is read: the batch is not placed again
    late = str(START + timedelta(days=MOTOR_LEAD))
    assert [a.answer, b.answer, d.answer] == [{"promised": str(START)}] * 2 + [{"promised": late}]  # 2 + 2 of 4
    assert retried.replayed
    assert retried.order_id == first.order_id
    assert retried.answer == first.answer
    assert len({first.order_id, a.order_id, b.order_id, d.order_id}) == 4


def test_a_key_reused_for_another_order_in_a_batch_is_a_conflict_and_the_others_are_placed(engine, monkeypatch):
    store_plant(engine, planned_motors_plant(), "material test plant")
    first = _placer(engine)(1, "first")
    batches = _counting_batches(monkeypatch)
    outcomes = []

    def place(quantity: int, key: str) -> None:
        try:
            outcomes.append((key, _placer(engine)(quantity, key)))
        except order_desk.Conflict as conflict:
            outcomes.append((key, conflict))

    queue = order_desk._queue(engine, SITE)
    with ThreadPoolExecutor(3) as pool:
        with placing(engine, [f"{SITE}/line"]):
            leading = pool.submit(place, 1, "a")
            _until(lambda: queue._placing and not queue._waiting)
            waiting = [pool.submit(place, 2, "first"), pool.submit(place, 1, "b")]
            _until(lambda: len(queue._waiting) == 2)
        for done in [leading, *waiting]:
            done.result()
    answers = dict(outcomes)
    assert isinstance(answers["first"], order_desk.Conflict)
    assert first.order_id in str(answers["first"])
    assert not answers["a"].replayed
    assert not answers["b"].replayed
    assert len({first.order_id, answers["a"].order_id, answers["b"].order_id}) == 3
    assert batches == [1, 2]


def test_one_key_twice_in_one_batch_places_one_order_and_answers_both_with_it(engine, monkeypatch):
    store_plant(engine, planned_motors_plant(), "material test plant")
    batches = _counting_batches(monkeypatch)
    a, twice, again = _behind_a_held_line(engine, (1, "a"), [(1, "twice"), (1, "twice")])
    assert {twice.replayed, again.replayed} == {False, True}
    assert twice.order_id == again.order_id != a.order_id
    assert twice.answer == again.answer
    assert batches == [1, 2]


def test_an_order_given_up_before_it_is_placed_is_not_placed_and_the_desk_goes_on(engine):
    store_plant(engine, planned_motors_plant(), "material test plant")
    queue = order_desk._queue(engine, SITE)
    answer = lambda o, q: {"promised": str(q.promised)}  # noqa: E731
    with placing(engine, [f"{SITE}/line"]):
        first = submit_order(engine, ACME, _request(1), NOW, answer, "first")
        _until(lambda: queue._placing and not queue._waiting)
        given_up = submit_order(engine, ACME, _request(1), NOW, answer, "given-up")
        assert given_up.cancel()
    assert not first.result(timeout=60).replayed
    after = submit_order(engine, ACME, _request(1), NOW, answer, "after").result(timeout=60)
    _until(lambda: not queue._placing)
    assert {o.id for o in list_orders(engine)} == {first.result().order_id, after.order_id}


def test_a_batch_takes_at_most_max_batch_orders_and_the_rest_follow_in_order(engine, monkeypatch):
    store_plant(engine, planned_motors_plant(), "material test plant")
    monkeypatch.setattr(order_desk, "MAX_BATCH", 2)
    batches = _counting_batches(monkeypatch)
    placed = _behind_a_held_line(engine, (1, "a"), [(1, f"b{n}") for n in range(5)])
    assert batches == [1, 2, 2, 1]
    assert len({p.order_id for p in placed}) == 6
