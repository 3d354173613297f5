"""The authority's page of the exchange with the other side's instance: how the link to each
peer stands, this instance's key, refused envelopes, the other side's suspension notices
and the latest messages in and out. Thin over the exchange services."""

from datetime import timedelta
from typing import Annotated, Literal

from babel.dates import format_timedelta
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from smartgate.api.deps import OptionalActor, UoW
from smartgate.exchange import services as exchange
from smartgate.exchange.model import MESSAGE_TYPES, MessageType
from smartgate.registry import services as registry
from smartgate.shared.clock import utcnow
from smartgate.web import i18n
from smartgate.web.exchange_view import link_state, notices
from smartgate.web.landing import authority_only
from smartgate.web.pages import render, side_tz, sign_in_first

# Every other role gets the 403 page the authority's other pages give.
router = APIRouter(include_in_schema=False, dependencies=[Depends(authority_only)])
SHOWN_MESSAGES = 50
SHOWN_NOTICES = 30
# The parts of the page HTMX asks for by their id: the link's state polls itself, the
# messages come back filtered.
PARTS = ("link", "messages")


@router.get("/exchange")
def exchange_page(
    request: Request,
    uow: UoW,
    actor: OptionalActor,
    direction: Literal["in", "out", ""] = "",
    message_type: Annotated[MessageType | Literal[""], Query(alias="type")] = "",
) -> Response:
    """Per peer: messages waiting and how far behind, delivered, failed, received, held back
    by gaps, the last contact and error, the next attempt; the key; refused envelopes; the
    other side's suspension notices, each ready to mirror; the latest messages."""
    if actor is None:
        return sign_in_first(request)
    now = utcnow()
    lang = i18n.language(request)
    gates = registry.list_gates(uow=uow)
    received = exchange.messages(
        uow=uow, actor=actor, direction="in", message_type="suspension", limit=SHOWN_NOTICES
    )
    part = request.headers.get("hx-target")
    return render(
        request,
        "exchange.html",
        actor,
        block=part if request.headers.get("hx-request") and part in PARTS else None,
        status=exchange.status(
            uow=uow,
            actor=actor,
            own_side=request.app.state.settings.side,
            public_key=request.app.state.exchange_public_key,
        ),
        link_state=link_state,
        age=lambda moment: _duration(now - moment, lang),
        notices=notices(received, [g.id for g in gates], side_tz(request), now),
        gates={g.id: g for g in gates},
        messages=exchange.messages(
            uow=uow,
            actor=actor,
            direction=direction or None,
            message_type=message_type or None,
            limit=SHOWN_MESSAGES,
        ),
        filters={"direction": direction, "type": message_type},
        message_types=MESSAGE_TYPES,
        shown_messages=SHOWN_MESSAGES,
    )


def _duration(delta: timedelta, lang: str) -> str:
    # "95 minutes" rather than "2 hours": how far behind is read to the minute.
    return format_timedelta(max(delta, timedelta(0)), threshold=2, locale=lang)
