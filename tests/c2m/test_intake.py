import json
from datetime import UTC, datetime

import pytest

from factoryos.c2m.intake import accept
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
