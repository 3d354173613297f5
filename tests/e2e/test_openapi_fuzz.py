"""Schemathesis generates requests from our OpenAPI schema, as every role and on SQLite and
PostgreSQL: no 500s, no answer off-schema.

Its strings include NUL characters and its integers run past every bound the schema gives
(negative cases), which is how a NUL reaching PostgreSQL or an id beyond its `integer`
column shows up as a 500 here.
"""

import secrets
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import make_url

from conftest import PG_ENV, pg_url
from smartgate.exchange import keys

from servers import Server, fresh_postgres_database, start_server

CHECKS = [not_a_server_error, response_schema_conformance]
PEER = "peer-cn"  # the demo has no peer instance; each fuzzed server gets one
# Cases per operation for each caller. Generated (fuzzing) cases are the ones holding NUL
# characters and huge integers. Forwarders also get schemathesis' coverage cases, boundary
# values and wrong types drawn from the schema (four fifths of the running time); callers
# refused early on most operations (anonymous, peer) need fewer cases to reach what is open.
EXAMPLES = {
    "anonymous": 12,
    "driver": 15,
    "forwarder": 20,
    "operator": 12,
    "authority": 15,
    "peer": 6,
}
WITH_COVERAGE = {"forwarder"}
USERNAMES = {
    "driver": "driver1",
    "forwarder": "forwarder1",
    "operator": "operator-huunghi",
    "authority": "authority-vn",
    "peer": PEER,
}


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def fuzzed_server(request, tmp_path_factory) -> Iterator[Server]:
    """A server of its own: what the fuzzing books, suspends and throttles stays there."""
    workdir = tmp_path_factory.mktemp(f"fuzzed-{request.param}")
    if request.param == "sqlite":
        yield from _serving(workdir, None)
        return
    base = pg_url()
    if base is None:
        pytest.skip(f"the PostgreSQL run needs {PG_ENV} (CI sets it)")
    with fresh_postgres_database(base, f"{make_url(base).database}_fuzzed") as url:
        yield from _serving(workdir, url)


def _serving(workdir, database_url: str | None) -> Iterator[Server]:
    # With a key, as a gate's instance runs: its exchange inbox is open to fuzzing too.
    keys.generate(workdir / "smartgate.key")
    running = start_server(workdir, database_url=database_url)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def passes(fuzzed_server) -> dict[str, dict[str, str]]:
    """Each role's headers, signed in once: sign-in throttles repeated attempts."""
    password = secrets.token_urlsafe(16)
    fuzzed_server.add_user(PEER, "peer", "CN instance", password)
    tokens = {
        role: fuzzed_server.token(name, password if name == PEER else "demo")
        for role, name in USERNAMES.items()
    }
    return {"anonymous": {}} | {r: {"Authorization": f"Bearer {t}"} for r, t in tokens.items()}


@pytest.fixture(params=list(EXAMPLES))
def role(request) -> str:
    return str(request.param)


@pytest.fixture
def api_schema(fuzzed_server, role):
    loaded = schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")
    loaded.config.generation.update(max_examples=EXAMPLES[role])
    loaded.config.phases.coverage.enabled = role in WITH_COVERAGE
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_or_breaks_its_schema(case, role, passes):
    case.call_and_validate(headers=passes[role], checks=CHECKS)
