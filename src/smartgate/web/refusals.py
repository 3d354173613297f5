"""Refusals of a page as a page: a 403, 404, 409 or 422 raised anywhere under a web page (an
unknown trip, a role the page is not for, an id that is no id, a path that does not exist)
answers the refusal page in the reader's language under the same status, never the API's
JSON. The API's own paths keep their JSON answers."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from smartgate.api.deps import optional_actor
from smartgate.shared.actor import Actor
from smartgate.shared.errors import DomainError, TooManyRequests, ValidationFailed
from smartgate.shared.validation import field_errors
from smartgate.shared.wording import Wording
from smartgate.web.pages import attempt_status, refusal

Handler = Callable[[Request, Any], Awaitable[Response] | Response]
NOT_PAGES = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json")
HTTP_WORDS = {
    404: Wording("There is no such page."),
    405: Wording("This page does not take that kind of request."),
}


def install(app: FastAPI) -> None:
    """Answer refusals under the web pages with the refusal page; the API's as before."""
    api: dict[Any, Handler] = dict(app.exception_handlers)

    async def answer(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(NOT_PAGES):
            handler = next(api[kind] for kind in type(exc).__mro__ if kind in api)
            found = handler(request, exc)
            return await found if isinstance(found, Awaitable) else found
        return await _page(request, exc)

    for kind in (DomainError, ValidationFailed, RequestValidationError, HTTPException):
        app.add_exception_handler(kind, answer)


async def _page(request: Request, exc: Exception) -> Response:
    if isinstance(exc, RequestValidationError):
        exc = ValidationFailed(field_errors(exc.errors()))
    if isinstance(exc, HTTPException):
        status = exc.status_code
        errors: dict[str, Any] = {"body": HTTP_WORDS.get(status, str(exc.detail))}
    else:
        _, errors, status = attempt_status(_raiser(exc))
    page = refusal(request, await _actor(request), errors, status)
    if isinstance(exc, TooManyRequests):
        page.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, HTTPException) and exc.headers:
        page.headers.update(exc.headers)
    return page


def _raiser(exc: Exception) -> Callable[[], None]:
    def again() -> None:
        raise exc

    return again


async def _actor(request: Request) -> Actor | None:
    # The page's header shows who is signed in; a machine account sees a plain refusal.
    try:
        return await optional_actor(request, None)
    except DomainError:
        return None
