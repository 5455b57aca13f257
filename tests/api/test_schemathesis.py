"""schemathesis against the app's own OpenAPI document: generated requests on every operation find no server
error and no answer that breaks the document (status, content type, body schema). A few examples per
operation keep it quick; an order placed first gives the path parameters something real to hit."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from factoryos.store.db import make_engine, migrate

from .conftest import make_api

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_api_keeps_to_its_openapi_document(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'factoryos.db'}")
    migrate(engine)
    api = make_api(engine)
    api.order(api.acme)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        headers = dict(api.planner if "{order_id}" in operation.path else api.acme)
        _keeps_to_the_document(operation, headers)
    engine.dispose()


def _keeps_to_the_document(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
