"""The order API on a plant of the tests' own (the owner and two partner brands on one ramping line), on
SQLite and PostgreSQL, with a fixed clock and a key per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from factoryos.api import deps
from factoryos.api.app import create_app
from factoryos.api.settings import ApiSettings
from factoryos.model.plant import InventoryLot, Plant, Supplier
from factoryos.model.validate import load_plant
from factoryos.services.tenants import create_key
from factoryos.store.plants import store_plant

PLANT_FILE = Path(__file__).parents[1] / "data" / "two-partners-plant.yaml"
NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
"""A Monday, the ramp-up's first day."""
AT_ONCE = NOW.date()
"""A requested date of the day the order is placed: as soon as possible, so that it is promised the earliest day."""
MOTOR_LEAD = 28
"""Days from the motor maker of `planned_motors_plant`."""
START = date(2027, 1, 5)
"""The day after NOW, a Tuesday: the first day an order placed NOW may be promised."""
BOOST = {"power": "boost", "seat": "bench"}
"""An acme scooter that takes one big motor."""


@dataclass
class Api:
    """A test client on a loaded plant, and Authorization headers for each kind of key."""

    client: TestClient
    engine: object
    planner: dict[str, str]
    viewer: dict[str, str]
    acme: dict[str, str]
    acme_viewer: dict[str, str]
    brio: dict[str, str]

    def order(self, headers: dict[str, str], **fields) -> dict:
        body = {
            "customer": "acme-shop",
            "product": "acme-scooter",
            "quantity": 1,
            "requested_date": AT_ONCE.isoformat(),
        }
        body.update(fields)
        response = self.client.post("/api/v1/orders", headers=headers, json=body)
        assert response.status_code == 201, response.text
        return response.json()


def planned_motors_plant() -> Plant:
    """The plant with its wheels and motors planned (tubes stay on call), motors bought 28 days away."""
    plant = load_plant(PLANT_FILE)
    materials = plant.materials | {
        m: plant.materials[m].model_copy(update={"on_call": False}) for m in ("wheel", "motor-small", "motor-big")
    }
    suppliers = {
        "parts": Supplier(lead_time_days=10, materials=["wheel", "tube"]),
        "motors": Supplier(name="Motor maker", lead_time_days=MOTOR_LEAD, materials=["motor-small", "motor-big"]),
    }
    inventory = [
        InventoryLot(material="motor-big", location="store", lot="M-1", quantity=5),
        InventoryLot(material="wheel", location="store", lot="W-1", quantity=1000),
    ]
    return plant.model_copy(update={"materials": materials, "suppliers": suppliers, "inventory": inventory})


def bearer(engine, tenant: str, role: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_key(engine, tenant, role)[1]}"}


def make_api(engine, settings: ApiSettings | None = None) -> Api:
    store_plant(engine, load_plant(PLANT_FILE), str(PLANT_FILE))
    app = create_app(engine=engine, settings=settings or ApiSettings(rate_per_second=1e6, burst=1_000_000))
    app.dependency_overrides[deps.clock] = lambda: NOW
    return Api(
        TestClient(app),
        engine,
        planner=bearer(engine, "works"),
        viewer=bearer(engine, "works", "viewer"),
        acme=bearer(engine, "acme"),
        acme_viewer=bearer(engine, "acme", "viewer"),
        brio=bearer(engine, "brio"),
    )


@pytest.fixture
def api(engine) -> Api:
    return make_api(engine)


@pytest.fixture
def api_with(engine):
    """An Api with settings of the test's choosing (a small body limit, a slow rate)."""
    return lambda settings: make_api(engine, settings)
