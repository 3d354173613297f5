"""The link with the other side's instance: its inbox (signed envelopes, no user token), and
what the authority reads of the exchange."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response

from smartgate.api.deps import CurrentActor, SettingsDep, UoW, client_address
from smartgate.api.errors import ERRORS
from smartgate.api.exports import spreadsheet
from smartgate.exchange import reconciliation as reconciling
from smartgate.exchange import services as exchange_services
from smartgate.exchange import statistics
from smartgate.exchange.model import MessageType
from smartgate.exchange.schemas import ExchangeStatus, ManifestRead, MessageRead, Receipt
from smartgate.shared.clock import SIDE_TZ, utcnow
from smartgate.shared.errors import Unavailable
from smartgate.shared.wording import Wording

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
READ = {401: ERRORS[401], 403: ERRORS[403]}


@router.post(
    "/inbox",
    operation_id="exchange_inbox",
    status_code=201,
    responses={
        200: {"description": "A repeat of a message already taken, or a batch"},
        401: {**ERRORS[401], "description": "Bad signature, unknown sender or expired"},
        422: ERRORS[422],
        503: {"description": "This instance has no exchange key yet"},
    },
)
def inbox(
    request: Request,
    response: Response,
    uow: UoW,
    settings: SettingsDep,
    envelopes: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(description="one signed envelope, or a list of them (in stream order)"),
    ],
) -> Receipt | list[Receipt]:
    """Peer instance: take signed messages. Authenticated by each envelope's Ed25519 signature
    against a registered peer's key, not by a user token. A new message answers 201, a
    repeat 200 and changes nothing; a list answers 200 with a receipt for each."""
    own_key = request.app.state.exchange_public_key
    if own_key is None:
        raise Unavailable(Wording("this instance has no exchange key: smartgate keys generate"))
    receipts = exchange_services.receive(
        uow=uow,
        envelopes=envelopes if isinstance(envelopes, list) else [envelopes],
        own_key=own_key,
        own_side=settings.side,
        address=client_address(request),
    )
    if isinstance(envelopes, list):
        response.status_code = 200
        return receipts
    if receipts[0].status == "duplicate":
        response.status_code = 200
    return receipts[0]


@router.get("/messages", operation_id="exchange_messages", responses=READ)
def messages(
    uow: UoW,
    actor: CurrentActor,
    direction: Literal["in", "out"] | None = None,
    type: MessageType | None = None,  # noqa: A002 - the contract's name
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[MessageRead]:
    """Authority: the latest messages sent to and received from the other side."""
    return exchange_services.messages(
        uow=uow, actor=actor, direction=direction, message_type=type, limit=limit
    )


@router.get("/manifests", operation_id="exchange_manifests", responses=READ)
def manifests(
    uow: UoW,
    actor: CurrentActor,
    gate_id: Annotated[str | None, Query(max_length=40)] = None,
) -> list[ManifestRead]:
    """Authority, or an operator of the gate: trips the other side announced before they
    reach this side, with the sender's trip reference and plates."""
    return exchange_services.manifests(uow=uow, actor=actor, gate_id=gate_id)


@router.get("/status", operation_id="exchange_status", responses=READ)
def status(
    request: Request, uow: UoW, actor: CurrentActor, settings: SettingsDep
) -> ExchangeStatus:
    """Authority: per peer, messages pending (and since when), delivered and failed, what came
    in, the last contact, the gaps holding messages back; the latest refused envelopes."""
    return exchange_services.status(
        uow=uow,
        actor=actor,
        own_side=settings.side,
        public_key=request.app.state.exchange_public_key,
    )


@router.get(
    "/reconciliation",
    operation_id="exchange_reconciliation",
    response_model=reconciling.Reconciliation,
    responses=READ | {404: ERRORS[404]},
)
def reconciliation(
    uow: UoW,
    actor: CurrentActor,
    settings: SettingsDep,
    day: Annotated[
        date | None,
        Query(alias="date", description="local day on this side; yesterday if left out"),
    ] = None,
    gate_id: Annotated[str | None, Query(max_length=40)] = None,
    minutes: Annotated[
        int | None,
        Query(
            ge=1, le=24 * 60, description="times further apart differ; SMARTGATE_RECONCILE_MINUTES"
        ),
    ] = None,
    format: Literal["json", "csv", "xlsx"] = "json",
) -> reconciling.Reconciliation | Response:
    """Authority: the day's crossings as both sides saw them — matched, times more than
    `minutes` apart, seen only here or only there — and the other side's manifests that no
    crossing followed; as JSON, CSV or an Excel sheet."""
    day = day or statistics.yesterday(settings.side, utcnow())
    report = reconciling.reconciliation(
        uow=uow,
        actor=actor,
        day=day,
        gate_id=gate_id,
        minutes=minutes or settings.reconcile_minutes,
        side=settings.side,
    )
    if format == "json":
        return report
    tz = SIDE_TZ[settings.side]
    rows = [reconciling.as_row(line, tz) for line in report.lines]
    name = f"reconciliation-{gate_id or 'all-gates'}-{day}"
    return spreadsheet(rows, reconciling.ROW_COLUMNS, format, name)
