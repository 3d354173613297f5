"""The interactive API docs work without the internet: Swagger UI comes from the package."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_open_with_nothing_from_other_hosts(page, server):
    # The `page` fixture also fails the test on anything the Content-Security-Policy refused.
    outside: list[str] = []
    problems: list[str] = []
    page.route(
        lambda url: not url.startswith(server.url),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda r: problems.append(f"{r.url} {r.failure}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )

    page.goto("/docs")
    expect(page.locator(".opblock-summary").first).to_be_visible()
    expect(page.locator("#operations-declarations-create_declaration")).to_be_visible()
    expect(page.locator(".opblock")).not_to_have_count(0)
    page.locator("#operations-declarations-create_declaration .opblock-summary").click()
    expect(
        page.locator("#operations-declarations-create_declaration .opblock-body")
    ).to_be_visible()
    assert not outside, outside
    assert not problems, problems


def test_the_site_has_an_icon(server):
    import httpx

    answer = httpx.get(f"{server.url}/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    assert answer.content[:4] == b"\x00\x00\x01\x00"  # an ICO
