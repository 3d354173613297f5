"""Refuse the NUL character in every text a request carries: its path, query string, cookies
and form or JSON body. PostgreSQL can neither store nor compare text holding a NUL (psycopg
will not even send it), so such a value only reached the database to come back as a 500.
Refused here, it is a 422 naming the field, on every route there is and every route to come.

Plain ASGI middleware, cheap on the busy endpoints: each part is first searched as bytes
(a C-level `in`), and only a part holding something that may be a NUL is parsed, the way
the app will parse it, to name the field. The body the app then reads is the one received.
"""

import json
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import QueryParams, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartgate.api.errors import validation_response
from smartgate.shared.errors import FieldError

NUL = "\x00"
MESSAGE = "must not contain a NUL character"
# A NUL as it travels: raw, percent-encoded (query strings, forms), escaped in JSON.
_BODY_MARKS = (b"\x00", b"%00", b"\\u0000")
_QUERY_MARKS = (b"\x00", b"%00")
_COOKIE_MARKS = (b"\x00", b"\\000")  # a quoted cookie value may spell it in octal
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class RefuseNulText:
    """Answer 422 naming each field whose text holds a NUL; pass every other request on with
    its body unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        found = nul_in_path(scope["path"]) + _nul_in_query(scope) + _nul_in_cookies(scope)
        if found:
            return await validation_response(found)(scope, receive, send)
        messages = await _whole_body(receive)
        found = await _nul_in_body(scope, messages)
        if found:
            return await validation_response(found)(scope, receive, send)
        await self.app(scope, _replaying(messages, then=receive), send)


def nul_in_path(path: str) -> list[FieldError]:
    """The path, if it holds a NUL (the route, and so the parameter's name, is not known yet)."""
    return [FieldError("path", MESSAGE)] if NUL in path else []


def nul_in_pairs(pairs: Iterable[tuple[str, Any]]) -> list[FieldError]:
    """The names of query, form or cookie fields whose name, text or file name holds a NUL."""
    found = []
    for name, value in pairs:
        text = (value.filename or "") if isinstance(value, UploadFile) else value
        if NUL in name or (isinstance(text, str) and NUL in text):
            found.append(FieldError(_shown(name), MESSAGE))
    return found


def nul_in_json(document: Any) -> list[FieldError]:
    """The dotted path (`goods.0.description`) of each string or key that holds a NUL."""
    found: list[FieldError] = []
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while pending:  # a loop, not recursion: a deeply nested document must not overflow
        path, value = pending.pop()
        if isinstance(value, str) and NUL in value:
            found.append(FieldError(_dotted(path), MESSAGE))
        elif isinstance(value, dict):  # a name holding a NUL is at fault, whatever it holds
            found += [FieldError(_dotted((*path, k)), MESSAGE) for k in value if NUL in k]
            pending += [((*path, k), v) for k, v in reversed(value.items()) if NUL not in k]
        elif isinstance(value, list):
            pending += [((*path, i), v) for i, v in reversed(list(enumerate(value)))]
    return found


def may_hold_nul(data: bytes, marks: tuple[bytes, ...] = _BODY_MARKS) -> bool:
    """Whether the bytes may spell a NUL; only then is the part parsed to find the field."""
    return any(mark in data for mark in marks)


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(_shown(part) for part in path) or "body"


def _shown(name: str | int) -> str:
    # A field's name may itself hold the NUL; the answer shows it escaped.
    return str(name).replace(NUL, "\\x00")


def _nul_in_query(scope: Scope) -> list[FieldError]:
    query = scope.get("query_string", b"")
    if not may_hold_nul(query, _QUERY_MARKS):
        return []
    return nul_in_pairs(QueryParams(query).multi_items())


def _nul_in_cookies(scope: Scope) -> list[FieldError]:
    for name, value in scope["headers"]:
        if name == b"cookie" and may_hold_nul(value, _COOKIE_MARKS):
            return nul_in_pairs(Request(scope).cookies.items())
    return []


async def _whole_body(receive: Receive) -> list[Message]:
    # What the app would read anyway; an outer BodyLimit has already capped its size.
    messages = [await receive()]
    while messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False):
        messages.append(await receive())
    return messages


async def _nul_in_body(scope: Scope, messages: list[Message]) -> list[FieldError]:
    body = b"".join(m.get("body", b"") for m in messages)
    if not may_hold_nul(body):
        return []
    request = Request(scope, _replaying(messages))
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in _FORMS:
        return await _nul_in_form(request)
    if kind and kind != "application/json" and not kind.endswith("+json"):
        return []  # neither form nor JSON: the app reads no text out of it
    try:
        return nul_in_json(json.loads(body))
    except (ValueError, RecursionError):  # not JSON after all: the app answers that itself
        return []


async def _nul_in_form(request: Request) -> list[FieldError]:
    try:
        async with request.form() as form:
            return nul_in_pairs(form.multi_items())
    except (MultiPartException, ClientDisconnect):  # the app answers a broken form itself
        return []


def _replaying(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive that gives the messages already read, then the live ones (or a disconnect)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
