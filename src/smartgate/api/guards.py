"""What every answer gets before any route runs: state-changing requests from other sites
refused (403), and the security headers. Plain ASGI middleware: each costs a few
microseconds a request, not a trip through Starlette's BaseHTTPMiddleware."""

import json
from typing import Any
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartgate.api import docs

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The pages load their scripts and styles from /static only; nothing may frame them.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The API docs (Swagger UI) load their files from /static too; their two inline scripts are
# allowed by hash, and Swagger UI sets inline styles.
DOCS_POLICY = (
    f"default-src 'self'; script-src 'self' {docs.script_hashes()}; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = (docs.DOCS_URL,)
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


async def _answer(send: Send, status: int, detail: Any) -> None:
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class SameOriginWrites:
    """Refuse a state-changing request a browser sent from another site (cross-site request
    forgery): the browser says so in Sec-Fetch-Site, or in an Origin that is not this
    host. Requests without either come from programs, which carry no one's cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        writes = scope["type"] == "http" and scope["method"] not in SAFE_METHODS
        if writes and not _same_origin(scope):
            return await _answer(send, 403, "cross-site request refused")
        await self.app(scope, receive, send)


def _same_origin(scope: Scope) -> bool:
    site = _header(scope, b"sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == (_header(scope, b"host") or "").lower()


class SecurityHeaders:
    """Every answer says: no sniffing, no framing, referrers only to this site, and a
    Content-Security-Policy the pages meet; Strict-Transport-Security over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = [*COMMON_HEADERS, (b"content-security-policy", _policy(scope).encode())]
        if scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", b"max-age=31536000"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)


def _policy(scope: Scope) -> str:
    return DOCS_POLICY if scope["path"].startswith(DOCS_PATHS) else PAGE_POLICY
