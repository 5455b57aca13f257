"""The migrations build the schema the table classes declare: a column, index or key added to one and not the
other would pass every test on a fresh database and fail on an upgraded one."""

from __future__ import annotations

import json
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from factoryos.c2m.demand import generate_orders
from factoryos.services.plan import latest_plan, peg, plan_material
from factoryos.store.db import MIGRATIONS, Base, migrate
from factoryos.store.order_desk import PromisedPurchaseRecord
from factoryos.store.orders import save_orders
from factoryos.store.plans import stored_pegging
from factoryos.store.plants import store_plant


def test_the_migrated_schema_is_the_declared_one(engine) -> None:
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def _to(engine, revision: str, step) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)


def test_the_measurements_index_by_equipment_and_time_goes_with_a_downgrade_and_comes_back(engine) -> None:
    def indexes() -> set[str]:
        return {index["name"] for index in inspect(engine).get_indexes("measurements")}

    migrate(engine)
    assert "ix_measurements_equipment_ts" in indexes()
    _to(engine, "0010_foreign_key_indexes", command.downgrade)
    assert indexes() == {"ix_measurements_ts"}
    _to(engine, "head", command.upgrade)
    assert "ix_measurements_equipment_ts" in indexes()


def test_rollup_counts_past_32_bits_are_kept_and_a_downgrade_drops_the_buckets_it_could_not_hold(engine) -> None:
    rows = [("a", 2**31 + 4, 0), ("b", 7, 0), ("c", 0, 2**40)]
    columns = "period_s, equipment, bucket_us, good, scrap, rework"
    insert = text(f"INSERT INTO count_rollups ({columns}) VALUES (60, :e, 0, :good, 0, :rework)")
    with engine.begin() as connection:
        connection.execute(insert, [{"e": e, "good": good, "rework": rework} for e, good, rework in rows])
    _to(engine, "0013_pegging_network", command.downgrade)
    query = text("SELECT equipment, good FROM count_rollups")
    with engine.connect() as connection:
        assert connection.execute(query).all() == [("b", 7)]
    _to(engine, "head", command.upgrade)
    with engine.begin() as connection:
        connection.execute(insert, [{"e": "a", "good": 2**31 + 4, "rework": 0}])
        assert sorted(connection.execute(query).all()) == [("a", 2**31 + 4), ("b", 7)]


def test_a_downgrade_adds_each_days_requisitions_of_a_material_together_and_an_upgrade_keeps_them(engine) -> None:
    day = date(2027, 2, 1)
    rows = [("motor", "maker", 3.0), ("motor", "other", 2.0), ("wheel", "maker", 7.0)]
    with engine.begin() as connection:
        connection.execute(
            PromisedPurchaseRecord.__table__.insert(),
            [{"site": "s", "material": m, "supplier": k, "arrives": day, "quantity": q} for m, k, q in rows],
        )
    _to(engine, "0011_measurements_by_equipment", command.downgrade)
    query = text("SELECT material, quantity FROM promised_purchases ORDER BY material")
    with engine.connect() as connection:
        assert connection.execute(query).all() == [("motor", 5.0), ("wheel", 7.0)]
    _to(engine, "head", command.upgrade)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT material, supplier, quantity FROM promised_purchases ORDER BY 1"))
        assert found.all() == [("motor", "", 5.0), ("wheel", "", 7.0)]


def test_a_plan_keeps_its_pegging_through_a_downgrade_and_back_to_the_pegging_network(engine, kiln_plant) -> None:
    store_plant(engine, kiln_plant, "kiln-plant.yaml")
    save_orders(engine, generate_orders(kiln_plant, kiln_plant.first_day(), 10, seed=5))
    plan_material(engine, horizon_days=60)
    stored = latest_plan(engine)
    network = stored_pegging(engine, stored)
    expected = dict(zip((o.id for o in stored.planned_orders), network.pegging_of_lots(), strict=True))
    order = network.demands[0]
    under = peg(engine, order)

    _to(engine, "0012_requisitions_by_supplier", command.downgrade)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, pegging FROM planned_orders WHERE plan = :p"), {"p": stored.id})
        kept = {ident: json.loads(p) if isinstance(p, str) else p for ident, p in rows}
    assert kept.keys() == expected.keys()
    for ident, pegging in expected.items():
        assert kept[ident] == pytest.approx(pegging)

    _to(engine, "head", command.upgrade)
    network = stored_pegging(engine, latest_plan(engine))
    for lot, pegging in enumerate(expected.values()):
        assert network.pegging(lot) == pytest.approx(pegging)
    assert peg(engine, order) == under


def test_a_made_material_without_a_lead_time_is_stored_unset_and_a_downgrade_writes_it_as_0_days(
    engine, kiln_plant
) -> None:
    """The kiln plant's blank takes its routing's lead time (none in the file): the table says so, not 0 days."""
    store_plant(engine, kiln_plant, "kiln-plant.yaml")
    query = text("SELECT id, lead_time_days FROM materials WHERE id IN ('blank', 'clay') ORDER BY id")
    with engine.connect() as connection:
        assert connection.execute(query).all() == [("blank", None), ("clay", 7.0)]
    _to(engine, "0014_rollup_counts_64_bit", command.downgrade)
    with engine.connect() as connection:
        assert connection.execute(query).all() == [("blank", 0.0), ("clay", 7.0)]
    _to(engine, "head", command.upgrade)
    with engine.connect() as connection:
        assert connection.execute(query).all() == [("blank", 0.0), ("clay", 7.0)]
    nullable = {column["name"]: column["nullable"] for column in inspect(engine).get_columns("materials")}
    assert nullable["lead_time_days"]


def test_a_run_stored_with_shares_in_proportion_keeps_its_answers_with_a_need_per_demand(engine, kiln_plant) -> None:
    """Before revision 0018 a lot's component need was one requirement for every demand the lot served, each
    pegged supply of it serving them in proportion. A lot A pegged half to X1 and a quarter to X2 (a quarter
    surplus) whose need takes 4 of B: the upgrade splits it into needs of X1, X2 and A's surplus, so B serves X1 2
    and X2 1 as before, and 1 of it nothing; B is still under A, so it still holds up both."""
    store_plant(engine, kiln_plant, "kiln-plant.yaml")
    save_orders(engine, generate_orders(kiln_plant, kiln_plant.first_day(), 10, seed=5))
    plan_material(engine, horizon_days=60)
    stored = latest_plan(engine)
    a, b = stored.planned_orders[:2]
    _to(engine, "0017_genealogy_scrap", command.downgrade)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM plan_pegs WHERE plan = :p"), {"p": stored.id})
        connection.execute(text("DELETE FROM plan_requirements WHERE plan = :p"), {"p": stored.id})
        needs = [(0, "X1", "CO-1", None), (1, "X2", "CO-2", None), (2, None, None, a.id)]
        connection.execute(
            text("INSERT INTO plan_requirements VALUES (:p, :r, :d, :c, :parent)"),
            [{"p": stored.id, "r": r, "d": d, "c": c, "parent": parent} for r, d, c, parent in needs],
        )
        pegs = [(0, a.id, a.quantity / 2), (1, a.id, a.quantity / 4), (2, b.id, 4.0)]
        connection.execute(
            text("INSERT INTO plan_pegs VALUES (:p, :r, :o, :q)"),
            [{"p": stored.id, "r": r, "o": o, "q": q} for r, o, q in pegs],
        )
    _to(engine, "head", command.upgrade)
    network = stored_pegging(engine, latest_plan(engine))
    assert network.pegging(0) == pytest.approx({"X1": a.quantity / 2, "X2": a.quantity / 4})
    assert network.pegging(1) == pytest.approx({"X1": 2.0, "X2": 1.0})
    assert sum(network.peg_qty[network.peg_supply == 1]) == pytest.approx(4.0)
    assert network.customer_orders_of_supply(1) == {"CO-1", "CO-2"}

    _to(engine, "0017_genealogy_scrap", command.downgrade)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT requirement, planned_order, quantity FROM plan_pegs WHERE plan = :p ORDER BY 1, 2"),
            {"p": stored.id},
        ).all()
    expected = {(0, a.id): a.quantity / 2, (1, a.id): a.quantity / 4, (0, b.id): 2.0, (1, b.id): 1.0}
    assert {(r, o): q for r, o, q in rows} == pytest.approx(expected)
