"""The pages: gates, sign-in, a driver's new declaration form and trips. Thin over services."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from smartgate.api.deps import COOKIE, OptionalActor, SettingsDep, UoW, client_address
from smartgate.declarations import services as declarations
from smartgate.declarations.model import CURRENCIES
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.registry import services as registry
from smartgate.shared.actor import Actor
from smartgate.shared.clock import SIDE_TZ
from smartgate.shared.errors import FieldError, TooManyRequests, ValidationFailed
from smartgate.shared.lifecycle import TRIP_TRANSITIONS
from smartgate.shared.terms import DELIVERY_MODES
from smartgate.shared.validation import field_errors
from smartgate.shared.wording import Wording
from smartgate.web import (
    authority_routes,
    exchange_routes,
    i18n,
    landing,
    operations_routes,
    queue_routes,
    reconciliation_routes,
    refusals,
    trip_routes,
)
from smartgate.web.forms import declaration_from_form, form_from_declaration
from smartgate.web.pages import (
    HERE,
    gate_names,
    render,
    secure_cookies,
    shown,
    side_tz,
    sign_in_first,
    static,
)
from smartgate.web.trip_filters import PAGE_SIZE, page_count, trip_query

router = APIRouter(include_in_schema=False)


@router.get("/")
def gates_page(request: Request, uow: UoW, actor: OptionalActor) -> HTMLResponse:
    """Every gate pair as a card."""
    return render(request, "gates.html", actor, gates=registry.list_gates(uow=uow))


@router.get("/gates/{gate_id}")
def gate_page(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> HTMLResponse:
    """One gate pair: roads, lanes, yards, hours, permitted goods."""
    return render(request, "gate.html", actor, gate=registry.get_gate(uow=uow, gate_id=gate_id))


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """The site's icon, where browsers and tools look for it first."""
    # Its URL cannot carry a hash, so it is kept a day rather than a year.
    return FileResponse(
        HERE / "static" / "favicon.ico", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/login")
def login_page(request: Request, actor: OptionalActor, next: str = landing.START) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", actor, next=_local_path(next), errors={}, username=None)


@router.post("/login")
async def login(
    request: Request,
    uow: UoW,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = landing.START,
) -> Response:
    """Check the password and keep the token in an HTTP-only cookie."""
    try:
        token = await identity.sign_in(
            uow=uow,
            username=username,
            password=password,
            address=client_address(request),
            secret=settings.secret_key,
            minutes=settings.token_minutes,
            demo_mode=settings.demo,
            hashing=request.app.state.hashing,
        )
    except (identity.BadCredentials, TooManyRequests) as refused:
        return _login_refused(request, username, next, refused)
    response = RedirectResponse(_local_path(next), status_code=303)
    response.set_cookie(
        COOKIE,
        token.access_token,
        max_age=token.expires_in,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response


def _login_refused(request: Request, username: str, next: str, refused: Exception) -> Response:
    throttled = isinstance(refused, TooManyRequests)
    page = render(
        request,
        "login.html",
        None,
        next=_local_path(next),
        errors={"body": refused.wording if throttled else Wording("Wrong username or password")},
        username=username,
    )
    page.status_code = 429 if throttled else 401
    if throttled:
        page.headers["Retry-After"] = str(refused.retry_after)
    return page


def _local_path(target: str) -> str:
    # Only ever send people back into this site; by default to their own start page.
    return target if target.startswith("/") and not target.startswith("//") else landing.START


@router.post("/logout")
def logout(request: Request, uow: UoW, settings: SettingsDep) -> RedirectResponse:
    """End the sign-in: the token is revoked, not only forgotten by this browser."""
    token = request.cookies.get(COOKIE)
    if token:
        identity.sign_out(uow=uow, token=token, secret=settings.secret_key)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=secure_cookies(request))
    return response


@router.get("/trips")
def trips_page(
    request: Request, uow: UoW, actor: OptionalActor, created: str | None = None
) -> Response:
    """The trips the signed-in user may see, newest first, a page at a time: searched by plate,
    filtered by gate, direction, status and arrival day (all kept in the query string)."""
    if actor is None:
        return sign_in_first(request)
    names = gate_names(uow, i18n.language(request))
    query = trip_query(request.query_params, set(names))
    page = declarations.list_declarations(
        uow=uow,
        actor=actor,
        filters=query.filters(side_tz(request)),
        limit=PAGE_SIZE,
        offset=query.offset,
    )
    _ = i18n.translator(i18n.language(request))
    notice = _("Trip declared.") if created else None
    return render(
        request,
        "trips.html",
        actor,
        page=page,
        notice=notice,
        gate_names=names,
        query=query,
        pages=page_count(page.total),
        statuses=list(TRIP_TRANSITIONS),
    )


@router.get("/trips/{declaration_id}")
def trip_page(declaration_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """One trip: where it is now, its way so far, its goods, its fee once due, its history in
    words, and what may still change."""
    if actor is None:
        return sign_in_first(request)
    return shown(request, actor, lambda: trip_routes.trip_view(request, uow, actor, declaration_id))


def _form_page(
    request: Request,
    uow: UoW,
    actor: Actor,
    form: dict[str, Any],
    errors: dict[str, str | Wording],
    block: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "declaration_new.html",
        actor,
        block=block,
        form=form,
        errors=errors,
        gates=registry.list_gates(uow=uow),
        currencies=sorted(CURRENCIES),
        delivery_modes=DELIVERY_MODES,
    )


@router.get("/declarations/new")
def new_declaration_page(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """The driver's declaration form, empty or started from an earlier trip (?from=ID)."""
    if actor is None:
        return sign_in_first(request)
    landing.ensure_role(actor, "driver", "forwarder")
    form: dict[str, Any] = {"direction": "export", "goods": [{}]}
    source = _uuid(request.query_params.get("from"))
    if source:
        earlier = declarations.get(uow=uow, actor=actor, declaration_id=source)
        form = form_from_declaration(earlier, SIDE_TZ[request.app.state.settings.side])
    return _form_page(request, uow, actor, form, {})


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


@router.get("/declarations/new/goods-line")
def goods_line_fragment(request: Request, actor: OptionalActor, index: int = 1) -> HTMLResponse:
    """One more empty goods line for the form (HTMX)."""
    return render(
        request,
        "goods_line.html",
        actor,
        index=max(0, min(index, 49)),
        errors={},
        currencies=sorted(CURRENCIES),
    )


@router.post("/declarations/new")
async def submit_declaration(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """Validate and store; on faults, show the form again with each message by its field."""
    if actor is None:
        return sign_in_first(request)
    landing.ensure_role(actor, "driver", "forwarder")
    raw = await request.form()
    tz = SIDE_TZ[request.app.state.settings.side]
    form, data = declaration_from_form(raw, tz)
    block = "form" if request.headers.get("hx-request") else None
    try:
        created = declarations.declare(
            uow=uow, actor=actor, data=DeclarationCreate.model_validate(data)
        )
    except ValidationError as exc:
        return _form_page(request, uow, actor, form, _by_field(field_errors(exc.errors())), block)
    except ValidationFailed as exc:
        return _form_page(request, uow, actor, form, _by_field(exc.errors), block)
    target = f"/trips?created={created.id}"
    if block:
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _by_field(errors: list[FieldError]) -> dict[str, str | Wording]:
    # Each as a Wording: `render` words it in the reader's language.
    found: dict[str, str | Wording] = {}
    for error in errors:
        found.setdefault(error.field, error.wording)
    return found


def mount(app: FastAPI) -> None:
    """Add the pages and static files to the app."""
    app.mount("/static", static, name="static")
    routers = (router, landing.router, trip_routes.router, queue_routes.router)
    for pages in (
        *routers,
        authority_routes.router,
        exchange_routes.router,
        reconciliation_routes.router,
        operations_routes.router,
    ):
        app.include_router(pages)
    refusals.install(app)
