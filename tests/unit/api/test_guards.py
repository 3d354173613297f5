"""The guards every request passes: same-site writes and security headers."""

import asyncio

import httpx
from fastapi import FastAPI, Request

from smartgate.api.guards import PAGE_POLICY, SameOriginWrites, SecurityHeaders


def _app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"read": len(await request.body())}

    app.add_middleware(SameOriginWrites)
    app.add_middleware(SecurityHeaders)
    return app


def _post(headers=None, content=b"x") -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://gate.test") as client:
            return await client.post("/echo", content=content, headers=headers or {})

    return asyncio.run(call())


def test_writes_from_another_site_are_refused():
    assert _post({"sec-fetch-site": "cross-site"}).status_code == 403
    assert _post({"sec-fetch-site": "same-site"}).status_code == 403  # a sibling subdomain
    assert _post({"origin": "https://evil.example"}).status_code == 403
    assert _post({"sec-fetch-site": "same-origin"}).status_code == 200
    assert _post({"origin": "http://gate.test"}).status_code == 200
    assert _post().status_code == 200  # programs send neither, and carry no one's cookie


def test_every_answer_carries_the_security_headers():
    for answer in (_post(), _post({"origin": "https://evil.example"})):
        assert answer.headers["content-security-policy"] == PAGE_POLICY
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
