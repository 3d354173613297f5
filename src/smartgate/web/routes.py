"""The pages: gates, sign-in, a driver's new declaration form and trips. Thin over services."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from smartgate.api.deps import COOKIE, OptionalActor, SettingsDep, UoW, client_address
from smartgate.declarations import services as declarations
from smartgate.declarations.model import CURRENCIES
from smartgate.declarations.repository import DeclarationFilter
from smartgate.declarations.schemas import DeclarationCreate
from smartgate.identity import services as identity
from smartgate.operations import desk
from smartgate.operations import services as operations
from smartgate.registry import services as registry
from smartgate.registry.nomenclature import catalog
from smartgate.shared.actor import Actor
from smartgate.shared.clock import SIDE_TZ
from smartgate.shared.errors import FieldError, TooManyRequests, ValidationFailed
from smartgate.shared.validation import field_errors
from smartgate.shared.wording import Wording
from smartgate.web import authority_routes, i18n, operations_routes, queue_routes
from smartgate.web.forms import declaration_from_form, form_from_declaration
from smartgate.web.pages import (
    HERE,
    gate_names,
    parsed_uuid,
    render,
    secure_cookies,
    shown,
    sign_in_first,
)

router = APIRouter(include_in_schema=False)
COMMON_GOODS = ("081060", "081090", "080450", "080390", "071410", "110814", "400122", "847989")


@router.get("/")
def gates_page(request: Request, uow: UoW, actor: OptionalActor) -> HTMLResponse:
    """Every gate pair as a card."""
    return render(request, "gates.html", actor, gates=registry.list_gates(uow=uow))


@router.get("/gates/{gate_id}")
def gate_page(gate_id: str, request: Request, uow: UoW, actor: OptionalActor) -> HTMLResponse:
    """One gate pair: roads, lanes, yards, hours, permitted goods."""
    return render(request, "gate.html", actor, gate=registry.get_gate(uow=uow, gate_id=gate_id))


@router.get("/login")
def login_page(request: Request, actor: OptionalActor, next: str = "/trips") -> HTMLResponse:
    """The sign-in form."""
    return render(request, "login.html", actor, next=_local_path(next), errors={}, username=None)


@router.post("/login")
async def login(
    request: Request,
    uow: UoW,
    settings: SettingsDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/trips",
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
    # Only ever send people back into this site.
    return target if target.startswith("/") and not target.startswith("//") else "/trips"


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
    """The signed-in user's trips, newest first."""
    if actor is None:
        return sign_in_first(request)
    page = declarations.list_declarations(
        uow=uow, actor=actor, filters=DeclarationFilter(), limit=100, offset=0
    )
    _ = i18n.translator(i18n.language(request))
    notice = _("Trip declared.") if created else None
    return render(
        request, "trips.html", actor, page=page, notice=notice, gate_names=gate_names(uow)
    )


@router.get("/trips/{declaration_id}")
def trip_page(declaration_id: str, request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """One trip: where it is now, its way so far (the timeline) and the agencies' decisions,
    its goods, its fee once due, and the changes to its declaration."""
    if actor is None:
        return sign_in_first(request)

    def page() -> Response:
        trip_id = parsed_uuid(declaration_id, "declaration_id")
        found = declarations.get(uow=uow, actor=actor, declaration_id=trip_id)
        due = found.status in operations_routes.FEE_DUE
        return render(
            request,
            "trip.html",
            actor,
            d=found,
            history=declarations.history(uow=uow, actor=actor, declaration_id=trip_id),
            steps=operations.timeline(uow=uow, actor=actor, declaration_id=trip_id),
            inspections=desk.decisions(uow=uow, actor=actor, declaration_id=trip_id),
            fee=operations.trip_fee(uow=uow, actor=actor, declaration_id=trip_id) if due else None,
            gate_names=gate_names(uow),
        )

    return shown(request, actor, page)


def _form_page(
    request: Request,
    uow: UoW,
    actor: Actor,
    form: dict[str, Any],
    errors: dict[str, str],
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
        hs_hints=[h for code in COMMON_GOODS if (h := catalog().get(code))],
    )


@router.get("/declarations/new")
def new_declaration_page(request: Request, uow: UoW, actor: OptionalActor) -> Response:
    """The driver's declaration form, empty or started from an earlier trip (?from=ID)."""
    if actor is None:
        return sign_in_first(request)
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


def _by_field(errors: list[FieldError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(error.field, error.message)
    return found


def mount(app: FastAPI) -> None:
    """Add the pages and static files to the app."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for pages in (router, queue_routes.router, authority_routes.router, operations_routes.router):
        app.include_router(pages)
