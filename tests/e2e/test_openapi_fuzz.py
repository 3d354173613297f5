"""Schemathesis generates requests from our OpenAPI schema: no 500s, no answer off-schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(scope="session")
def api_schema(server):
    return schemathesis.openapi.from_url(f"{server.url}/openapi.json")


@pytest.fixture(scope="session")
def signed_in(server):
    # Forwarders reach every declaration endpoint; their own trips give real ids to hit.
    return {"Authorization": f"Bearer {server.token('forwarder1')}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_or_breaks_its_schema(case, signed_in):
    case.call_and_validate(headers=signed_in, checks=CHECKS)
