"""What the other side's instance sent, where people read it: the authority's exchange page
(a suspension notice, mirrored only when the authority presses Suspend), the capacity
section's sources, and the operator's board announcing a truck before it arrives.

A server of its own, with a key and a registered peer, so the shared demo server stays
without one; the other side's envelopes go in through the real inbox, signed.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from smartgate.exchange import keys
from smartgate.shared.clock import VN_TZ

from browser.conftest import sign_in
from browser.test_phone import LANGUAGES, Watched
from peers import FakePeer, capacity, manifest
from servers import start_server

pytestmark = pytest.mark.browser
REASON = "加强植物检疫 / Kiểm dịch thực vật tăng cường"
CROSSED = "c0ffee00-0000-4000-8000-000000000001"
COMING = "c0ffee00-0000-4000-8000-000000000002"
CANCELLED = "c0ffee00-0000-4000-8000-000000000003"
# The reconciliation page opens on yesterday, on this (VN) side's clock.
YESTERDAY = datetime.now(VN_TZ).date() - timedelta(days=1)


def _notice(number: int, action: str = "set", **changes: Any) -> dict[str, Any]:
    """A CN suspension notice as its instance sends it: the suspension, and set or lifted."""
    now = datetime.now(UTC)
    return {
        "id": number, "reason": REASON, "gate_id": "huu-nghi", "direction": "export",
        "hs_prefixes": ["0810", "0804"], "flags": ["perishable"],
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        "created_by": "authority-cn", "lifted_by": None, "action": action,
    } | changes  # fmt: skip


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A VN server with a key and the CN peer registered, after the peer sent two notices
    (one later lifted), three manifests for Hữu Nghị (one crossed, one cancelled) and its
    capacity."""
    work = tmp_path_factory.mktemp("exchange-pages")
    key_file = work / "smartgate.key"
    own_key = keys.generate(key_file)
    server = start_server(work, env={"SMARTGATE_KEY_FILE": str(key_file)})
    peer = FakePeer()
    added = server.cli(
        "peers", "add", peer.name, "--url", "http://127.0.0.1:9", "--public-key", peer.public_key
    )
    assert added.returncode == 0, added.stderr
    now = datetime.now(UTC)
    crossed_at = now - timedelta(minutes=10)
    soon = (now + timedelta(hours=2)).isoformat()
    sent = [
        ("suspension", _notice(7)),
        ("suspension", _notice(8, gate_id=None, reason="台风 typhoon")),
        ("suspension", _notice(8, "lifted", gate_id=None, reason="台风 typhoon")),
        ("manifest", manifest(CROSSED, 1, expected_arrival=soon)),
        ("manifest", manifest(COMING, 1, expected_arrival=soon, tractor_plate="桂B99999")),
        ("manifest", manifest(CANCELLED, 1, expected_arrival=soon, tractor_plate="桂C77777")),
        ("manifest", manifest(CANCELLED, 2, status="cancelled", tractor_plate="桂C77777")),
        ("crossing", {"reference": CROSSED, "gate_id": "huu-nghi", "direction": "export",
                      "at": crossed_at.isoformat(), "tractor_plate": "桂A12345"}),
        ("capacity", capacity(22)),
        ("statistics", {"day": YESTERDAY.isoformat(), "side": "CN", "gates": [
            {"gate_id": "huu-nghi", "direction": "import", "trucks": 1204, "tonnes": 21672.5},
            {"gate_id": "huu-nghi", "direction": "export", "trucks": 311, "tonnes": 5598.0},
        ]}),
    ]  # fmt: skip
    envelopes = [peer.envelope(kind, payload, recipient=own_key) for kind, payload in sent]
    answer = httpx.post(f"{server.url}/api/v1/exchange/inbox", json=envelopes)
    assert answer.status_code == 200, answer.text
    assert {r["status"] for r in answer.json()} == {"applied"}, answer.text
    yield {"server": server, "peer": peer.name, "crossed_at": crossed_at}
    server.stop()


@pytest.fixture
def watched(browser, linked) -> Iterator[Watched]:
    """A phone-sized page on the linked server that notes console errors, failed requests
    and refused scripts."""
    phone = Watched(browser, linked["server"])
    yield phone
    phone.close()
    assert not phone.problems, phone.problems


def test_the_authority_reads_a_notice_and_mirrors_it_only_by_suspending(watched, linked):
    page = watched.page
    sign_in(page, "authority-vn")
    watched.open("/exchange", "en")
    expect(page.locator(f"#peer-{linked['peer']}")).to_contain_text("up to date")
    expect(page.locator("#public-key")).to_be_visible()
    notice = page.locator(".card.notice", has_text="Hữu Nghị")
    expect(notice).to_contain_text("import here (export on their side)")
    expect(notice).to_contain_text("HS 0810")
    expect(notice).to_contain_text("perishable")
    expect(notice).to_contain_text(REASON)
    lifted_later = page.locator(".card.notice[data-action=set]", has_text="typhoon")
    expect(lifted_later).to_contain_text("The other side has lifted it since.")
    expect(lifted_later.locator("a.mirror")).to_have_count(0)

    notice.locator("a.mirror").click()
    page.wait_for_url("**/authority/huu-nghi?**")
    expect(page.locator("#mirror-note")).to_be_visible()
    expect(page.locator("#f-sus-reason")).to_have_value(REASON)
    expect(page.locator("#f-sus-direction")).to_have_value("import")
    expect(page.locator("#f-sus-hs_prefixes")).to_have_value("0810 0804")
    expect(page.locator("#suspend-form input[value=perishable]")).to_be_checked()
    expect(page.locator("#suspensions")).not_to_contain_text("HS 0810")  # nothing yet

    page.click("#suspend-form button[type=submit]")
    expect(page.locator("#suspensions .ok")).to_be_visible()
    expect(page.locator("#suspension-list")).to_contain_text(REASON)
    # This side's suspension goes to the other side in turn (whose address answers nobody).
    watched.open("/exchange", "en")
    expect(page.locator(f"#peer-{linked['peer']} dd.pending")).to_have_text(re.compile(r"^1\b"))

    page.goto("/authority/huu-nghi?lang=en")
    page.select_option("#f-cap-direction", "import")
    sources = page.locator("#capacity-sources li[data-side=CN]")
    expect(sources).to_contain_text(
        f"received from the other side's instance (peer {linked['peer']})"
    )
    expect(page.locator("#capacity-sources li[data-side=VN]")).to_be_visible()


def test_the_operator_board_announces_the_trucks_on_their_way(watched, linked):
    page = watched.page
    sign_in(page, "operator-huunghi")
    watched.open("/queue/huu-nghi?direction=import", "en")
    announced = page.locator("#announced")
    crossed = announced.locator("tr[data-plate='桂A12345']")
    at = linked["crossed_at"].astimezone(VN_TZ).strftime("%H:%M")
    expect(crossed).to_contain_text(f"crossed their zero line at {at}")
    expect(crossed).to_contain_text("HS 850440 · 12,000 kg")
    expect(announced.locator("tr[data-plate='桂B99999']")).to_contain_text(
        "not yet at their zero line"
    )
    expect(announced.locator("tr[data-plate='桂C77777']")).to_have_count(0)  # cancelled

    watched.open("/queue/huu-nghi?direction=export", "en")
    expect(page.locator("#announced-elsewhere")).to_contain_text("import: 2")


def test_the_reconciliation_sets_the_other_sides_daily_count_beside_this_ones(watched):
    sign_in(watched.page, "authority-vn")
    watched.open("/exchange/reconciliation", "en")
    # What the CN side imported through Hữu Nghị is what this side exported there.
    exported = watched.page.locator('#totals tr[data-gate="huu-nghi"][data-direction="export"]')
    expect(exported).to_contain_text("1,204")
    expect(exported).to_contain_text("21,672.5")
    expect(watched.page.locator("#no-statistics")).to_have_count(0)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_exchange_pages_fit_a_phone_in_every_language(browser, linked, lang):
    too_wide, problems = {}, []
    for user, paths in (
        (
            "authority-vn",
            ["/exchange", "/exchange?direction=in&type=suspension", "/exchange/reconciliation"],
        ),
        ("operator-huunghi", ["/queue/huu-nghi?direction=import"]),
    ):
        phone = Watched(browser, linked["server"])
        sign_in(phone.page, user)
        for path in paths:
            phone.open(path, lang)
            if phone.width() > phone.screen["width"]:
                too_wide[path] = phone.width()
        if user.startswith("operator"):  # refused, in the page's language
            phone.open("/exchange", lang, 403)
            refusal = phone.page.locator("#refusal")
            expect(refusal).not_to_be_empty()
            if lang != "en":
                expect(refusal).not_to_contain_text("Only the border authority")
        problems += phone.problems
        phone.close()
    assert not too_wide, too_wide
    assert not problems, problems
