import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factoryos.c2m.intake import accept, decode_order_line, read_order_lines
from factoryos.model.errors import FactoryosError


def request(plant, **changes):
    product_id, product = next((pid, p) for pid, p in plant.products.items() if p.tenant == plant.owner())
    customer = next(cid for cid, c in plant.customers.items() if c.tenant == product.tenant)
    raw = {
        "id": "WEB-1",
        "customer": customer,
        "product": product_id,
        "options": {},
        "quantity": 1,
        "ordered_at": "2027-01-05T10:00:00Z",
        "due_date": "2027-02-01",
    }
    raw.update(changes)
    return raw


def test_a_valid_order_is_completed_with_defaults(ev_plant):
    order = accept(ev_plant, request(ev_plant))
    product = ev_plant.products[order.product]
    assert set(order.configuration) == set(product.option_families)
    assert order.ordered_at == datetime(2027, 1, 5, 10, tzinfo=UTC)


def test_an_imported_order_is_completed_as_the_order_desk_completes_it():
    """Open families take their default where the rules allow it, else the cheapest valid option; a family
    without a default is not a reason to refuse the order (the API's orders were completed, a file's refused)."""
    from factoryos.model.validate import load_plant

    plant = load_plant(Path(__file__).resolve().parents[1] / "data" / "two-partners-plant.yaml")
    big_cart = accept(plant, request(plant, product="cart", customer="works-shop", options={"size": "big"}))
    assert big_cart.configuration == {"size": "big", "colour": "blue"}  # the big cart is not painted red
    scooter = {"product": "acme-scooter", "customer": "acme-shop"}
    assert accept(plant, request(plant, **scooter, options={"power": "eco"})).configuration["seat"] == "none"
    assert accept(plant, request(plant, **scooter, options={"power": "boost"})).configuration["seat"] == "bench"
    with pytest.raises(FactoryosError, match="boost needs the bench seat"):
        accept(plant, request(plant, **scooter, options={"power": "boost", "seat": "none"}))


def test_a_due_date_is_set_against_the_order_date_at_the_site(ev_plant):
    """00:30 on 1 May in a +14:00 zone is 30 April at the EV plant (Berlin): due on 30 April is due the day it
    was ordered, not before; 23:30 on 30 April in Berlin is 30 April there, though 21:30 UTC."""
    early = accept(ev_plant, request(ev_plant, ordered_at="2027-05-01T00:30:00+14:00", due_date="2027-04-30"))
    assert early.due_date == early.ordered_at.date()
    late = "2027-04-30T23:30:00+02:00"
    with pytest.raises(FactoryosError, match="due_date 2027-04-29 is before the order date 2027-04-30"):
        accept(ev_plant, request(ev_plant, ordered_at=late, due_date="2027-04-29"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"product": "hovercraft"}, "unknown product 'hovercraft'"),
        ({"customer": "nobody"}, "unknown customer 'nobody'"),
        ({"quantity": 0}, "quantity"),
        ({"due_date": "2026-12-01"}, "before the order date"),
        ({"options": {"warp-drive": "yes"}}, "unknown option family 'warp-drive'"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_order_is_refused_with_what_is_wrong(ev_plant, changes, message):
    with pytest.raises(FactoryosError, match=message):
        accept(ev_plant, request(ev_plant, **changes))


def test_an_order_breaking_a_rule_names_the_rule(ev_plant):
    product_id, product = next((pid, p) for pid, p in ev_plant.products.items() if p.rules)
    rule = next(r for r in product.rules if r.requires)
    family, allowed = next(iter(rule.requires.items()))
    forbidden = next(o for o in product.option_families[family].options if o not in allowed)
    options = {f: opts[0] for f, opts in rule.when.items()} | {family: forbidden}
    with pytest.raises(FactoryosError, match="requires"):
        accept(ev_plant, request(ev_plant, product=product_id, options=options))


def test_a_partner_customer_cannot_order_the_owners_product(appliance_plant):
    partner_customer = next(cid for cid, c in appliance_plant.customers.items() if c.tenant != appliance_plant.owner())
    with pytest.raises(FactoryosError, match="belongs to tenant"):
        accept(appliance_plant, request(appliance_plant, customer=partner_customer))


def test_request_json_round_trip_is_what_the_import_reads(ev_plant):
    raw = json.loads(json.dumps(request(ev_plant)))
    assert accept(ev_plant, raw).id == "WEB-1"


# The line decoder: every line that cannot be read says why; nothing escapes as another exception.

GOOD = b'{"id": "WEB-1", "customer": "c", "product": "p", "quantity": 2, "ordered_at": "2027-01-05T10:00:00Z"}'


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff" + GOOD, "not UTF-8: byte 0xff at column 1"),
        (b"\xef\xbb\xbf" + GOOD, "byte-order mark"),
        (b"[" * 5000 + b"]" * 5000, "nested too deep"),
        (b'{"a": {"b": {"c": {"d": {"e": 1}}}}}', "nested too deep"),
        (GOOD.replace(b"2,", b"1e400,"), "quantity: a number is out of range"),
        (GOOD.replace(b'"quantity"', b'"options": {"colour": [-1e400]}, "quantity"'), "options.colour.0: a number is"),
        (GOOD.replace(b"2,", b"9" * 5000 + b","), "out of range"),
        (GOOD.replace(b"2,", b"NaN,"), "NaN"),
        (GOOD.replace(b"2,", b"Infinity,"), "Infinity"),
        (GOOD.replace(b'"WEB-1"', b'"WEB\\u0000"'), "NUL"),
        (GOOD.replace(b"WEB-1", b"WEB\x001"), "not JSON"),
        (GOOD.replace(b'"quantity": 2', b'"quantity": 2, "quantity": 3'), "key 'quantity' appears twice"),
        (b"[1, 2]", "expected a JSON object"),
        (b"x" * 70_000, "at most 65,536"),
    ],
)
def test_a_line_that_cannot_be_read_says_why(raw, reason):
    with pytest.raises(FactoryosError, match=re.escape(reason)):
        decode_order_line(raw)


def test_only_a_newline_ends_a_line():
    """U+2028 inside a string once split a line in two (str.splitlines), losing the order."""
    content = b'{"id": "a\xe2\x80\xa8b"}\r\n\n  \n{"id": "c\x0bd\x1ce\x85"}\n'
    lines = list(read_order_lines(content))
    assert [number for number, _ in lines] == [1, 4]
    assert decode_order_line(lines[0][1]) == {"id": "a\u2028b"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": True}, "quantity"),
        ({"quantity": "3"}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"quantity": 10**9}, "quantity"),
        ({"id": 17}, "id"),
        ({"id": "x" * 33}, "id"),
        ({"options": {"colour": 1}}, "options"),
        ({"ordered_at": "1900-01-05T10:00:00Z", "due_date": "1900-02-01"}, "outside 2000-2099"),
        ({"ordered_at": "2100-01-01T00:00:00Z", "due_date": "2100-02-01"}, "2100-01-01 00:00 UTC is outside 2000-2099"),
        # the same instant in another offset: named in UTC, not as a day of 2099 that reads as inside the years
        ({"ordered_at": "2099-12-31T20:00:00-04:00", "due_date": "2100-02-01"}, "2100-01-01 00:00 UTC is outside"),
        ({"due_date": "2999-01-01"}, "days after the order date"),
    ],
)
def test_quantities_ids_and_dates_are_within_bounds(ev_plant, changes, message):
    with pytest.raises(FactoryosError, match=message):
        accept(ev_plant, request(ev_plant, **changes))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=400)
@given(st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()))
def test_the_decoder_returns_an_object_or_says_why(raw):
    assert isinstance(decoded(raw), dict | FactoryosError)


def decoded(raw: bytes) -> dict | FactoryosError:
    """The object on the line, or the user error saying why there is none (any other exception escapes)."""
    try:
        return decode_order_line(raw)
    except FactoryosError as error:
        assert str(error)  # noqa: PT017  (the reason must say something)
        return error


TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=20)


@given(st.dictionaries(TEXT, TEXT | st.integers(-(10**15), 10**15), max_size=6))
def test_a_flat_object_round_trips(obj):
    assert decode_order_line(json.dumps(obj, ensure_ascii=False).encode()) == obj


@given(st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=20))
def test_lines_keep_their_numbers(lines):
    found = list(read_order_lines(b"\n".join(lines)))
    expected = [(n, line.removesuffix(b"\r")) for n, line in enumerate(lines, 1) if line.removesuffix(b"\r").strip()]
    assert found == expected


def test_the_readme_example_order_line_is_accepted(ev_plant):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    orders = readme[readme.index("## Orders") :]
    start = orders.index("```json\n") + len("```json\n")
    example = orders[start : orders.index("\n```", start)]
    order = accept(ev_plant, decode_order_line(example.encode()))
    assert order.quantity == 1


def test_a_plant_that_expects_orders_above_its_largest_is_refused():
    from factoryos.model.validate import check_plant_text

    text = (Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml").read_text()
    bounded = text.replace("    material: cart\n", "    material: cart\n    max_order_quantity: 4\n").replace(
        "demand: {units_per_day: 20}", "demand: {units_per_day: 20, units_per_order: [1, 5]}"
    )
    plant, issues = check_plant_text(bounded)
    assert plant is None
    assert any("products.cart" in issue.path and "units_per_order" in issue.message for issue in issues)
