"""Debian's Chromium driven by Playwright; never a downloaded browser."""

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _chromium_or_skip() -> str:
    # CI sets SMARTGATE_REQUIRE_BROWSER so a missing browser fails there instead of skipping.
    if shutil.which(CHROMIUM):
        return CHROMIUM
    if os.environ.get("SMARTGATE_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing and SMARTGATE_REQUIRE_BROWSER is set")
    pytest.skip(f"{CHROMIUM} not installed (apt install chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One headless Chromium per test module. Not per session: Playwright's sync API keeps
    an event loop running on this thread while it lives, which would stop every later test
    that runs a coroutine with asyncio.run."""
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser context (no cookies) pointed at the demo server. Whatever a test does
    there, the pages must meet their Content-Security-Policy: the browser reports every
    script, style or frame it refused, and the test fails on any."""
    context = browser.new_context(base_url=server.url, locale="en-GB")
    opened = context.new_page()
    refused: list[str] = []
    opened.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield opened
    context.close()
    assert not refused, refused


def sign_in(page, username: str, password: str = "demo") -> None:
    """Sign in through the login form as a user would."""
    page.goto("/login?lang=en")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def settled(page) -> None:
    """Wait until htmx has wired up what it last swapped in: for one settle delay after a
    swap, the new fields show but their triggers are not attached yet (a user never types
    that fast; a test does)."""
    expect(page.locator(".htmx-settling")).to_have_count(0)
