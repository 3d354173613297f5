"""What every page shares: the templates in the reader's language, local clock times, HTMX
parts of a page, and service refusals turned into messages by field."""

import uuid
from collections.abc import Callable
from datetime import date, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from babel.numbers import format_currency, format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks
from pydantic import ValidationError

from smartgate.api.errors import STATUS
from smartgate.queue.model import notice_wording
from smartgate.queue.schemas import NoticeRead
from smartgate.registry import services as registry
from smartgate.shared.actor import Actor
from smartgate.shared.clock import SIDE_TZ, utcnow
from smartgate.shared.errors import DomainError, FieldError, ValidationFailed
from smartgate.shared.validation import field_errors
from smartgate.shared.wording import Clock, Wording
from smartgate.uow import UnitOfWork
from smartgate.web import i18n
from smartgate.web.assets import Assets
from smartgate.web.names import field_label, gate_name, held, named, reread_hold

T = TypeVar("T")
HERE = Path(__file__).parent
templates = Jinja2Blocks(directory=HERE / "templates")
static = Assets(HERE / "static", "/static")
# Pages name a static file as {{ static("style.css") }}: its URL changes with its content.
templates.env.globals["static"] = static.url
# {% trans count=n %}...{% pluralize %}...{% endtrans %} for plurals; `gettext`, `ngettext`
# and `_` come with each page's context, in its reader's language.
templates.env.add_extension("jinja2.ext.i18n")


def side_tz(request: Request) -> tzinfo:
    """The time zone of this instance's side of the border."""
    return SIDE_TZ[request.app.state.settings.side]  # type: ignore[no-any-return]


def today(request: Request) -> date:
    """Today's date on this instance's side."""
    return utcnow().astimezone(side_tz(request)).date()


def render(
    request: Request, name: str, actor: Actor | None, block: str | None = None, **context: Any
) -> HTMLResponse:
    """A page (or one block of it) in the reader's language, with `local` (date and time on
    this side's clock), `clock` (HH:MM), `tz_label` (e.g. UTC+7), and `money` and `number` as
    the reader's locale writes them; refusals in `errors` are worded in the reader's language,
    on the local clock."""
    lang = i18n.language(request)
    translate = i18n.translator(lang)
    tz = side_tz(request)
    local = local_clock(tz)
    now = utcnow()
    offset = now.astimezone(tz).utcoffset()
    hours = offset.total_seconds() / 3600 if offset else 0
    if "errors" in context:
        context["errors"] = {
            field: why.worded(translate, local) if isinstance(why, Wording) else why
            for field, why in context["errors"].items()
        }
    context |= {
        "actor": actor,
        "lang": lang,
        "languages": i18n.LANGUAGES,
        "_": translate,
        "gettext": translate,
        "ngettext": i18n.plural(lang),
        "named": partial(named, lang=lang),
        "in_language": partial(in_language, request),
        "gate_name": lambda gate, between=" – ": gate_name(gate, lang, between),
        "gate_short": lambda gate: gate.name_zh if lang == "zh" else gate.name_vi,
        "held": partial(held, translate=translate, clock=local),
        "field_label": lambda field: translate(field_label(field)),
        "local": local,
        "now": now,
        "clock": lambda moment: moment.astimezone(tz).strftime("%H:%M"),
        "tz_label": f"UTC{hours:+.0f}",
        "worded": partial(worded, tz=tz, translate=translate),
        "money": lambda amount, currency: format_currency(amount, currency, locale=lang),
        "number": lambda value: format_decimal(value, locale=lang),
    }
    response = templates.TemplateResponse(request, name, context, block_name=block)
    keep_language(request, response)
    return response


def in_language(request: Request, lang: str) -> str:
    """This page in another language, keeping what else its address asks for (`next`)."""
    query = {**request.query_params, "lang": lang}
    return f"{request.url.path}?{urlencode(query, safe='/')}"


def keep_language(request: Request, response: Response) -> None:
    """A language chosen with ?lang= stays chosen: the answer sets the cookie."""
    lang = request.query_params.get("lang")
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=secure_cookies(request)
        )


def secure_cookies(request: Request) -> bool:
    """Whether cookies go out marked Secure: as configured, or when the page came over
    HTTPS (as a trusted proxy says)."""
    setting = request.app.state.settings.secure_cookies
    return setting == "always" or (setting == "auto" and request.url.scheme == "https")


def worded(notice: NoticeRead, tz: tzinfo, translate: Callable[[str], str]) -> str:
    """A notice in the reader's language, times on the local clock (a notice stored before
    wordings had ids keeps its English message)."""
    if notice.text_id is None or notice.params is None:
        return notice.message
    wording = notice_wording(notice.text_id, notice.params)
    if isinstance(reason := wording.values.get("reason"), str):
        wording = Wording(wording.text, **(dict(wording.values) | {"reason": reread_hold(reason)}))
    return wording.worded(translate, local_clock(tz))


def local_clock(tz: tzinfo) -> Clock:
    """Times as the reader's side of the border shows them."""
    return lambda moment: moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def gate_names(uow: UnitOfWork, lang: str = i18n.DEFAULT) -> dict[str, str]:
    """Gate id -> the names people use on both sides (tables show these, not slugs), the
    reader's side first: 友谊关 – Hữu Nghị on a Chinese page."""
    return {g.id: gate_name(g, lang) for g in registry.list_gates(uow=uow)}


def wanted_block(request: Request, block: str) -> str | None:
    """`block` when HTMX asks for part of the page (polling, a form), else None: the page."""
    return block if request.headers.get("hx-request") else None


def sign_in_first(request: Request) -> Response:
    """To the sign-in form; an HTMX part reloads its page, which then goes there."""
    if request.headers.get("hx-request"):
        return Response(headers={"HX-Refresh": "true"})
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = {"next": back}
    if request.query_params.get("lang") in i18n.LANGUAGES:
        query["lang"] = request.query_params["lang"]  # the sign-in form reads in it too
    response = RedirectResponse(f"/login?{urlencode(query, safe='/')}", status_code=303)
    keep_language(request, response)
    return response


def attempt(call: Callable[[], T]) -> tuple[T | None, dict[str, str | Wording]]:
    """Run a service call: (its answer, {}), or (None, why it was refused by field; `body` for
    the request as a whole, worded by `render`)."""
    found, errors, _ = attempt_status(call)
    return found, errors


def attempt_status(call: Callable[[], T]) -> tuple[T | None, dict[str, str | Wording], int]:
    """Like `attempt`, with the HTTP status the answer takes: 200, else 422 for faulty fields
    and the API's status for any other refusal (403, 404, 409, ...)."""
    try:
        return call(), {}, 200
    except ValidationError as exc:
        return None, _by_input(field_errors(exc.errors())), 422
    except ValidationFailed as exc:
        return None, _by_input(exc.errors), 422
    except DomainError as exc:
        return None, {"body": exc.wording or str(exc)}, refusal_status(exc)


def refusal_status(error: DomainError) -> int:
    """The HTTP status of a refusal, as the API answers it."""
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def shown(request: Request, actor: Actor | None, build: Callable[[], Response]) -> Response:
    """The page `build` makes, or the page saying why it was refused (never a 500 for a
    refusal, nor an answer in JSON)."""
    page, errors, status = attempt_status(build)
    return page if page is not None else refusal(request, actor, errors, status)


def parsed_uuid(text: str, field: str) -> uuid.UUID:
    """An id from a path or a form, or a refusal naming `field`."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationFailed([FieldError(field, Wording("is not a valid id"))]) from None


def refusal(
    request: Request, actor: Actor | None, errors: dict[str, str | Wording], status: int
) -> HTMLResponse:
    """A page that says, in the reader's language, why a request was refused: by field when
    fields were at fault. An HTMX request gets it in place of the page's main part."""
    block = wanted_block(request, "content")
    page = render(request, "refusal.html", actor, block=block, errors=errors, status=status)
    page.status_code = status
    if block:
        page.headers.update({"HX-Retarget": "main", "HX-Reswap": "innerHTML"})
    return page


def _by_input(errors: list[FieldError]) -> dict[str, str | Wording]:
    # A form has one input per list (`hs_prefixes`), so `hs_prefixes.1` shows there as item 2.
    found: dict[str, str | Wording] = {}
    for error in errors:
        name, _, item = error.field.partition(".")
        message: str | Wording = error.wording
        if item.isdigit():
            message = Wording("{item}: {reason}", item=int(item) + 1, reason=error.wording)
        found.setdefault(name, message)
    return found
