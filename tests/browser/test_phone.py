"""Every page on a 390 × 844 phone and a 1280 px desk screen, for each role that may open it,
in each language: no page is wider than the screen, the browser logs no error and every request
it makes succeeds.

The pages come from the app's own routes, so a new page fails here until it is visited (or
named as no page of its own). The trips, bookings, reads and suspension looked at are made
first, so the tables hold long rows rather than nothing.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from playwright.sync_api import expect

from smartgate.api.app import create_app
from smartgate.config import Settings
from smartgate.shared.clock import VN_TZ

from browser.conftest import settled, sign_in
from browser.test_operations_pages import _at_the_gate, _declare, _plate, _unsure_read
from factories import container, declaration, goods

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# At a desk too: a page that fits a phone may still break on a wide screen.
SCREENS = {"phone": PHONE, "desk": {"width": 1280, "height": 800}}
LANGUAGES = ("vi", "zh", "en")
USERS = {
    "anonymous": None,
    "driver": "driver1",
    "forwarder": "forwarder1",
    "operator": "operator-huunghi",
    "authority": "authority-vn",
}
# Each role's pages; {names} are filled from what `made` declared.
PUBLIC = ["/", "/gates/huu-nghi", "/wait-times", "/display/huu-nghi"]
VISITS = {
    "anonymous": [*PUBLIC, "/login"],
    "driver": [*PUBLIC, "/start", "/status", "/trips", "/trips/{booked}", "/trips/{held}",
               "/trips/{cleared}", "/trips/{cleared}/receipt", "/bookings/{booking}/pass",
               "/declarations/new", "/declarations/new?from={booked}"],
    "forwarder": [*PUBLIC, "/start", "/status", "/trips", "/trips/{forwarded}",
                  "/declarations/new"],
    "operator": [*PUBLIC, "/start", "/queue/huu-nghi", "/queue/huu-nghi?direction=import", "/desk",
                 "/desk/huu-nghi?agency=customs", "/desk/huu-nghi?agency=border_guard",
                 "/review", "/review/huu-nghi", "/yards", "/yards/huu-nghi", "/trips",
                 "/trips/{held}", "/trips/{cleared}/receipt"],
    "authority": [*PUBLIC, "/start", "/authority", "/authority/mong-cai", "/queue/huu-nghi",
                  "/desk", "/desk/huu-nghi?agency=customs", "/review", "/yards", "/trips",
                  "/trips/{cleared}", "/trips/{cleared}/receipt", "/exchange",
                  "/exchange/reconciliation"],
}  # fmt: skip
# Pages that refuse the role, with the status they answer: the refusal is a page too.
REFUSED = {
    "driver": [
        ("/desk/huu-nghi?agency=customs", 403),
        ("/authority", 403),
        ("/exchange", 403),
        ("/exchange/reconciliation", 403),
    ],
    "operator": [
        ("/exchange", 403),
        ("/exchange/reconciliation", 403),
        ("/desk/huu-nghi?agency=police", 422),
        ("/trips/00000000-0000-4000-8000-000000000000", 404),
    ],
}
# GET routes that are no page of their own, and why.
NOT_PAGES = {
    "/declarations/new/goods-line": "a goods line the declaration form adds (opened there below)",
    "/trips/{declaration_id}/booking": "the trip page's slot section, loaded into it",
    "/authority/{gate_id}/capacity": "the authority page's capacity section, reloaded in place",
    "/docs": "Swagger UI, for programmers at a desk (test_docs.py)",
    "/docs/oauth2-redirect": "where Swagger UI's sign-in comes back to",
    "/favicon.ico": "the icon",
    "/hs-codes": "suggestions for an HS code box, loaded into its list",
}


def _page_routes() -> set[str]:
    """The paths of the app's GET routes outside the API description: its pages."""
    app = create_app(Settings(database_url="sqlite://", demo=True))
    return {
        route.path for route, hidden in _routes(app.routes) if hidden and "GET" in route.methods
    }


def _routes(routes: list[Any], hidden: bool = False) -> Iterator[tuple[APIRoute, bool]]:
    for route in routes:
        router = getattr(route, "original_router", None)  # FastAPI includes routers lazily
        if router is not None:
            yield from _routes(router.routes, hidden or not router.include_in_schema)
        elif isinstance(route, APIRoute):
            yield route, hidden or not route.include_in_schema


def test_every_page_is_opened_on_the_phone():
    some_id = str(uuid.uuid4())
    names = dict.fromkeys(("booked", "held", "cleared", "booking", "forwarded"), some_id)
    opened = {path.format(**names).partition("?")[0] for paths in VISITS.values() for path in paths}
    routes = _page_routes()
    missed = [
        route for route in routes - NOT_PAGES.keys()
        if not any(_pattern(route).fullmatch(path) for path in opened)
    ]  # fmt: skip
    assert not missed, f"pages nobody opens in test_phone.py: {missed}"
    assert not NOT_PAGES.keys() - routes, "NOT_PAGES names a route the app no longer has"


def _pattern(route: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{[^}]+\}", "[^/]+", route))


@pytest.fixture(scope="module")
def made(server) -> Iterator[dict[str, str]]:
    """A booked and checked-in trip, a held one, a cleared one (with a fee), a forwarder's,
    a camera read to review and a suspension at Móng Cái, with long words throughout."""
    long_goods = [
        goods("081060", description="Sầu riêng tươi Ri6 loại một, đóng thùng carton 18 kg " * 2),
        goods("847989", production_input=True, description="Máy đóng gói tự động / 自动包装机"),
    ]
    # _at_the_gate opens every hour of today, so the booked trip finds a slot.
    held, cleared = _at_the_gate(server, _plate()), _at_the_gate(server, _plate())
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    booked = _declare(server, _plate(), goods=long_goods, expected_arrival=soon,
                      containers=[container(n) for n in (1, 2, 3)])  # fmt: skip
    with server.client("driver1") as driver:
        start = _free_slot(driver, after=soon)
        booking = driver.post(
            "/api/v1/bookings", json={"declaration_id": booked["id"], "slot_start": start}
        )
        assert booking.status_code == 201, booking.text
    with server.client("operator-huunghi") as operator:
        arrived = operator.post("/api/v1/queue/huu-nghi/arrivals",
                                json={"declaration_id": booked["id"]})  # fmt: skip
        assert arrived.status_code == 201, arrived.text
        for trip, agency, outcome, note in (
            # A note's unbroken word (a seal list typed without spaces) reaches the
            # driver's notices too.
            (
                held,
                "customs",
                "hold",
                "x-ray the second pallet, seals "
                "40021/40022/40023/40024/40025/40026/40027/40028/40029 " * 2,
            ),
            (cleared, "customs", "pass", "papers in order"),
            (cleared, "border_guard", "pass", ""),
        ):
            decided = operator.post(
                f"/api/v1/declarations/{trip['id']}/inspections",
                json={"agency": agency, "outcome": outcome, "note": note},
            )
            assert decided.status_code == 201, decided.text
    _unsure_read(server, f"98Z-{uuid.uuid4().int % 1000:03d}.11")
    with server.client("forwarder1") as forwarder:
        forwarded = forwarder.post("/api/v1/declarations", json=_forwarded(long_goods))
        assert forwarded.status_code == 201, forwarded.text
    with server.client("authority-vn") as authority:
        suspended = authority.post("/api/v1/suspensions", json={
            "reason": "Kiểm dịch thực vật tăng cường / 加强植物检疫 " * 3, "gate_id": "mong-cai",
            "hs_prefixes": ["0101", "0102", "010391"], "flags": ["cold_chain"],
            "ends_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
        })  # fmt: skip
        assert suspended.status_code == 201, suspended.text
    yield {"booked": booked["id"], "booking": booking.json()["id"], "held": held["id"],
           "held_plate": held["tractor_plate"],
           "cleared": cleared["id"], "forwarded": forwarded.json()["id"]}  # fmt: skip
    with server.client("authority-vn") as authority:
        authority.post(f"/api/v1/suspensions/{suspended.json()['id']}/lift")


def _free_slot(http, after: str) -> str:
    """The first hour at Hữu Nghị with places left that ends after `after`, today or (late
    in the evening) tomorrow."""
    today = datetime.now(VN_TZ).date()
    for day in (today, today + timedelta(days=1)):
        params = {"date": day.isoformat(), "direction": "import"}
        for slot in http.get("/api/v1/gates/huu-nghi/slots", params=params).json()["slots"]:
            if slot["remaining"] and _after(slot["end"], after):
                return str(slot["start"])
    raise AssertionError("no hour with places left today or tomorrow")


def _after(moment: str, other: str) -> bool:
    return datetime.fromisoformat(moment) > datetime.fromisoformat(other)


def _forwarded(lines: list[dict[str, Any]]) -> dict[str, Any]:
    return declaration(tractor_plate=_plate(), driver_name="Phạm Thị Hồng Nhung", goods=lines)


class Watched:
    """A page on a screen of a size (a phone's by default) that notes each console error and
    failed request."""

    def __init__(self, browser, server, screen: dict[str, int] = PHONE) -> None:
        self.screen = screen
        self.context = browser.new_context(base_url=server.url, viewport=screen)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._answered)
        self.status = 200  # what the page opened last is meant to answer

    def _console(self, message) -> None:
        # "Failed to load resource" repeats a status _answered has judged already.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")

    def _failed(self, request) -> None:
        # Leaving a page cancels what it was still asking (the boards poll).
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"failed: {request.url} {request.failure}")

    def _answered(self, response) -> None:
        meant = response.request.is_navigation_request() and response.status == self.status
        if response.status >= 400 and not meant:
            self.problems.append(f"{response.status}: {response.url}")

    def open(self, path: str, lang: str, status: int = 200) -> None:
        """Open `path` in `lang` and wait until it has loaded what it loads at once."""
        self.status = status
        answer = self.page.goto(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert answer is not None and answer.status == status, (path, answer and answer.status)
        self.page.wait_for_load_state("networkidle")

    def width(self) -> int:
        return int(self.page.evaluate("document.documentElement.scrollWidth"))

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("role", USERS)
def test_every_page_fits_a_phone(browser, server, made, role, lang, screen):
    phone = Watched(browser, server, SCREENS[screen])
    if USERS[role]:
        sign_in(phone.page, USERS[role])
    too_wide = {}
    for path in (p.format(**made) for p in VISITS[role]):
        phone.open(path, lang)
        if phone.width() > phone.screen["width"]:
            too_wide[path] = phone.width()
    for path, status in REFUSED.get(role, []):
        phone.open(path.format(**made), lang, status)
        if phone.width() > phone.screen["width"]:
            too_wide[path] = phone.width()
    if role == "driver":
        too_wide |= _declaration_form_in_full(phone, lang)
    if role == "operator":  # the held truck's note shows whole on the desk
        phone.open("/desk/huu-nghi?agency=customs", lang)
        held = phone.page.locator(f"#desk article[data-plate='{made['held_plate']}'] .callout")
        expect(held).to_be_visible()
    phone.close()
    assert not too_wide, too_wide
    assert not phone.problems, phone.problems


def _declaration_form_in_full(phone: Watched, lang: str) -> dict[str, int]:
    """The form with three goods lines and a message by each faulty field."""
    page = phone.page
    phone.open("/declarations/new", lang)
    for _ in range(2):
        page.click("[data-count-as-index]")
        settled(page)
    expect(page.locator(".goods-line")).to_have_count(3)
    page.fill("#f-tractor_plate", "12C")
    page.fill("#f-containers", "CSQU3054384 ABCD")
    page.fill("#f-goods\\.2\\.hs_code", "999999")
    page.locator("#declaration-form").evaluate("form => form.noValidate = true")
    page.click("#submit-declaration")
    expect(page.locator("#declaration-form .banner")).to_be_visible()
    width = phone.width()
    return {} if width <= phone.screen["width"] else {"/declarations/new (faults)": width}


DRIVER_PAGES = ["/status", "/trips", "/trips/{booked}", "/bookings/{booking}/pass",
                "/declarations/new"]  # fmt: skip
FIRST_LOAD_BYTES = 30_000


def test_a_driver_page_comes_in_30_kb_on_its_first_load(browser, server, made):
    """Bytes over the wire, compressed, headers included, for everything the page asks for
    until the network is quiet, from an empty cache. bench/driver_pages.py times it."""
    signed_in = browser.new_context(base_url=server.url)
    sign_in(signed_in.new_page(), "driver1")
    state = signed_in.storage_state()
    signed_in.close()
    weights = {
        path: _first_load(browser, server, state, path.format(**made)) for path in DRIVER_PAGES
    }
    assert all(n <= FIRST_LOAD_BYTES for n in weights.values()), weights


def _first_load(browser, server, state: dict[str, Any], path: str) -> int:
    context = browser.new_context(base_url=server.url, viewport=PHONE, storage_state=state)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    finished: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: finished.append(event["encodedDataLength"]))
    page.goto(f"{path}?lang=vi")
    page.wait_for_load_state("networkidle")
    context.close()
    return int(sum(finished))
