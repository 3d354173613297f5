"""What the pages read of the exchange beyond the authority's lists: the trucks the other side
announced that a gate still waits for."""

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from smartgate.exchange.schemas import ManifestRead
from smartgate.exchange.tables import ManifestRow
from smartgate.shared.actor import Actor
from smartgate.shared.clock import utcnow
from smartgate.shared.errors import Forbidden
from smartgate.shared.wording import Wording
from smartgate.uow import UnitOfWork

# A truck expected (or seen crossing over there) longer ago than this and never seen here
# did not come: the board stops announcing it.
STALE_AFTER = timedelta(hours=24)
SHOWN = tuple(name for name in ManifestRead.model_fields if name not in ("peer", "manifest"))


def awaited(
    *, uow: UnitOfWork, actor: Actor, gate_id: str, now: datetime | None = None, limit: int = 100
) -> list[ManifestRead]:
    """The trucks the other side announced at a gate that have not arrived here yet (nor were
    cancelled), by expected arrival: the authority's, or an operator of the gate's."""
    if not actor.oversees(gate_id):
        raise Forbidden(
            Wording("only the authority, or an operator of the gate, reads announced trips")
        )
    since = (now or utcnow()) - STALE_AFTER
    # Here rather than in ExchangeRepository.manifests, whose oldest-first list of every
    # manifest would fill its limit with trucks long gone; belongs there once it is free.
    query = (
        select(ManifestRow)
        .where(
            ManifestRow.gate_id == gate_id,
            ManifestRow.status == "announced",
            ManifestRow.arrived_at.is_(None),
            or_(ManifestRow.expected_arrival >= since, ManifestRow.crossed_at >= since),
        )
        .order_by(ManifestRow.expected_arrival, ManifestRow.id)
        .limit(limit)
    )
    with uow.reading():
        names = {peer.id: peer.name for peer in uow.exchange.peers()}
        return [
            ManifestRead.model_validate(
                {name: getattr(row, name) for name in SHOWN}
                | {"peer": names.get(row.peer_id, "?"), "manifest": row.document}
            )
            for row in uow.session.scalars(query)
        ]
