"""Who sees what: one scope per actor, the same rule in Python and in SQL."""

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert, select

from smartgate.db import scope_shape, scope_values, visible, visible_bound
from smartgate.shared.actor import ROLES, Actor, may_reach

COMPANIES = st.sampled_from([None, "", "Xuân Cương Logistics", "Other Co"])
GATES = st.sampled_from([None, "huu-nghi", "mong-cai"])
actors = st.builds(
    Actor, user_id=st.integers(1, 4), username=st.just("someone"), role=st.sampled_from(ROLES),
    company=COMPANIES, gate_id=GATES,
)  # fmt: skip
records = st.fixed_dictionaries(
    {"owner_id": st.integers(1, 4), "company": COMPANIES, "gate_id": GATES}
)


@given(actors, records)
def test_a_record_without_a_company_is_never_a_company_match(actor, record):
    # The hole this closes: an actor without a company matched every record without one.
    if actor.role == "forwarder" and not actor.company and record["owner_id"] != actor.user_id:
        assert not actor.scope.allows(**record)


@given(actors, records)
def test_each_role_sees_only_its_own(actor, record):
    allowed = actor.scope.allows(**record)
    if actor.role == "authority":
        assert allowed
    elif actor.role == "peer":
        assert not allowed
    elif actor.role == "driver":
        assert allowed == (record["owner_id"] == actor.user_id)
    elif actor.role in ("operator", "camera"):
        assert allowed == (actor.gate_id is not None and record["gate_id"] == actor.gate_id)
    else:
        same_company = bool(actor.company) and record["company"] == actor.company
        assert allowed == (record["owner_id"] == actor.user_id or same_company)


_TABLE = Table(
    "records", MetaData(), Column("id", Integer, primary_key=True), Column("owner_id", Integer),
    Column("company", String), Column("gate_id", String),
)  # fmt: skip


@given(actors, st.lists(records, min_size=1, max_size=8))
def test_sql_filters_select_exactly_what_the_scope_allows(actor, rows):
    engine = create_engine("sqlite://")
    _TABLE.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(_TABLE), [{"id": i, **row} for i, row in enumerate(rows)])
        wanted = {i for i, row in enumerate(rows) if actor.scope.allows(**row)}
        plain = select(_TABLE.c.id).where(visible(actor.scope, _TABLE.c))
        bound = select(_TABLE.c.id).where(visible_bound(scope_shape(actor.scope), _TABLE.c))
        assert set(conn.scalars(plain)) == wanted
        assert set(conn.scalars(bound, scope_values(actor.scope))) == wanted


def test_a_peer_reaches_only_the_exchange_endpoints():
    assert may_reach("peer", "/api/v1/exchange/messages")
    for path in ("/api/v1/bookings", "/api/v1/gates", "/bookings/x/pass", "/", "/api/v1/exchange"):
        assert not may_reach("peer", path)
    assert may_reach("authority", "/api/v1/bookings")


@given(st.sampled_from(ROLES), st.sampled_from([None, "huu-nghi", "mong-cai"]))
def test_only_a_gates_operators_run_it_and_only_they_and_the_authority_oversee_it(role, bound):
    actor = Actor(1, "someone", role, company="X" if role == "forwarder" else None, gate_id=bound)
    assert actor.runs("huu-nghi") == (role == "operator" and bound == "huu-nghi")
    assert actor.oversees("huu-nghi") == (role == "authority" or actor.runs("huu-nghi"))
