"""Who gets in, against real server processes: the demo key and demo accounts outside demo
mode, peers outside their endpoints, revoked and switched-off tokens across two workers,
sign-in throttling, cross-site forms, security headers, cookies and body sizes."""

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from smartgate.config import DEMO_SECRET
from smartgate.identity.model import ACCOUNT_ATTEMPTS, ADDRESS_ATTEMPTS

from factories import declaration, goods
from servers import Server, start_server

SECRET = "a-real-secret-of-forty-characters-or-so!"
PASSWORD = "a-long-enough-password"


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """A demo instance of two server processes behind a (pretend) proxy on 127.0.0.1, so
    each test can come from addresses of its own."""
    running = start_server(
        tmp_path_factory.mktemp("security"), workers=2,
        env={"SMARTGATE_FORWARDED_ALLOW_IPS": "127.0.0.1"},
    )  # fmt: skip
    yield running
    running.stop()


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _sign_in(server: Server, username: str, password: str, address: str) -> httpx.Response:
    form = {"username": username, "password": password}
    return httpx.post(f"{server.url}/api/v1/auth/token", data=form, headers=_from(address))


def _me(server: Server, token: str) -> int:
    answer = httpx.get(f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code


def test_the_published_demo_key_is_refused_outside_demo_mode(tmp_path):
    env = {"SMARTGATE_DEMO": "0", "SMARTGATE_SECRET_KEY": DEMO_SECRET,
           "SMARTGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "smartgate.cli", "serve", "--port", "1"],
        env=os.environ | env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: SMARTGATE_SECRET_KEY is the published demo key; outside demo "
        "mode set a secret of your own (at least 32 characters)"
    ]


def test_demo_accounts_and_demo_tokens_do_not_survive_demo_mode(tmp_path):
    demo = start_server(tmp_path)
    demo_token = demo.token("authority-vn")
    demo.stop()
    real = start_server(tmp_path, demo=False, env={"SMARTGATE_SECRET_KEY": SECRET})
    try:
        for username in ("authority-vn", "driver1", "forwarder1"):
            assert _sign_in(real, username, "demo", "192.0.2.10").status_code == 401
        assert _me(real, demo_token) == 401
        forged = jwt.encode(
            {"sub": "authority-vn", "jti": "x" * 32, "iat": datetime.now(UTC).timestamp(),
             "exp": datetime.now(UTC) + timedelta(days=3650)},
            DEMO_SECRET, algorithm="HS256",
        )  # fmt: skip
        assert _me(real, forged) == 401
        refused = real.cli("policy", "lift", "1", "--as", "authority-vn")
        assert refused.returncode == 1 and "demo account" in refused.stderr
        made_real = real.cli("users", "set-password", "authority-vn",
                             SMARTGATE_NEW_PASSWORD=PASSWORD)  # fmt: skip
        assert made_real.returncode == 0, made_real.stderr
        token = _sign_in(real, "authority-vn", PASSWORD, "192.0.2.10").json()["access_token"]
        assert _me(real, token) == 200
    finally:
        real.stop()


def test_a_peer_reaches_no_endpoint_but_the_exchanges(server):
    server.add_user("peer-test", "peer", "CN instance", PASSWORD)
    token = server.token("peer-test", PASSWORD)
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=bearer) as peer:
        for path in ("/api/v1/bookings", "/api/v1/me/notices", "/api/v1/me/queue",
                     "/api/v1/declarations", "/api/v1/gates", "/api/v1/public/wait-times",
                     "/api/v1/auth/me", "/trips", "/status", "/"):  # fmt: skip
            assert peer.get(path).status_code == 403, path
        # inside its paths a peer is still not the authority; the inbox ignores the token and,
        # with no key on this instance, says the exchange is not set up
        assert peer.get("/api/v1/exchange/messages").status_code == 403
        assert peer.post("/api/v1/exchange/inbox", json={}).status_code == 503
    with httpx.Client(base_url=server.url, cookies={"smartgate_token": token}) as browser:
        assert browser.get("/trips").status_code == 403


def test_signing_out_revokes_the_token_in_every_worker_at_once(two_workers):
    token = _sign_in(two_workers, "driver1", "demo", "198.18.0.1").json()["access_token"]
    assert all(_me(two_workers, token) == 200 for _ in range(10))  # both workers remember it
    bearer = {"Authorization": f"Bearer {token}"}
    out = httpx.post(f"{two_workers.url}/api/v1/auth/sign-out", headers=bearer)
    assert out.status_code == 204
    assert [_me(two_workers, token) for _ in range(20)] == [401] * 20


def test_a_disabled_account_stops_in_every_worker_at_once(two_workers):
    two_workers.add_user("driver-gone", "driver", "Gone", PASSWORD)
    token = _sign_in(two_workers, "driver-gone", PASSWORD, "198.18.0.2").json()["access_token"]
    assert all(_me(two_workers, token) == 200 for _ in range(10))
    disabled = two_workers.cli("users", "disable", "driver-gone")
    assert disabled.returncode == 0, disabled.stderr
    assert [_me(two_workers, token) for _ in range(20)] == [401] * 20
    assert _sign_in(two_workers, "driver-gone", PASSWORD, "198.18.0.3").status_code == 401


def test_a_burst_of_wrong_passwords_is_throttled_and_the_right_one_waits_too(two_workers):
    two_workers.add_user("driver-guessed", "driver", "Guessed", PASSWORD)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(
            pool.map(
                lambda i: _sign_in(two_workers, "driver-guessed", f"wrong-{i}", f"198.18.1.{i}"),
                range(60),
            )
        )
    statuses = [a.status_code for a in answers]
    assert statuses.count(401) == ACCOUNT_ATTEMPTS and statuses.count(429) == 60 - ACCOUNT_ATTEMPTS
    assert all(1 <= int(a.headers["Retry-After"]) <= 900 for a in answers if a.status_code == 429)
    assert _sign_in(two_workers, "driver-guessed", PASSWORD, "198.18.2.1").status_code == 429
    page = httpx.post(
        f"{two_workers.url}/login?lang=en", headers=_from("198.18.2.2"),
        data={"username": "driver-guessed", "password": PASSWORD},
    )  # fmt: skip
    assert page.status_code == 429 and "too many failed sign-ins" in page.text
    assert int(page.headers["Retry-After"]) >= 1


def test_one_address_trying_many_accounts_is_throttled(two_workers):
    statuses = [
        _sign_in(two_workers, f"nobody-{i}", "wrong", "198.18.3.1").status_code
        for i in range(ADDRESS_ATTEMPTS + 3)
    ]
    assert statuses == [401] * ADDRESS_ATTEMPTS + [429] * 3
    assert _sign_in(two_workers, "driver2", "demo", "198.18.3.1").status_code == 429
    assert _sign_in(two_workers, "driver2", "demo", "198.18.3.2").status_code == 200


def test_forms_posted_from_another_site_are_refused(server):
    trip = _declared(server, "29C-411.11")
    token = server.token("driver2")
    with httpx.Client(base_url=server.url, cookies={"smartgate_token": token}) as browser:
        form = {"slot_start": "2030-01-01T00:00:00+00:00"}
        path = f"/trips/{trip['id']}/booking"
        for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            refused = browser.post(path, data=form, headers=headers)
            assert refused.status_code == 403 and refused.json() == {
                "detail": "cross-site request refused"
            }
        own = {"Origin": server.url, "Sec-Fetch-Site": "same-origin"}
        assert browser.post(path, data=form, headers=own).status_code == 200
        assert (
            browser.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
        )


def _declared(server: Server, plate: str) -> dict:
    with server.client("driver2") as http:
        answer = http.post("/api/v1/declarations", json=declaration(tractor_plate=plate))
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/v1/gates", "/static/style.css", "/no/such/page",
             "/api/v1/gates/huu-nghi/slots?date=x", "/docs"],
)  # fmt: skip
def test_every_answer_carries_the_security_headers(server, path):
    answer = httpx.get(f"{server.url}{path}")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "same-origin"
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    if path != "/docs":
        assert "script-src 'self';" in policy and "unsafe" not in policy


def _login_cookie(server: Server, headers: dict[str, str] | None = None) -> str:
    answer = httpx.post(
        f"{server.url}/login", data={"username": "driver1", "password": "demo"},
        headers=headers or {},
    )  # fmt: skip
    assert answer.status_code == 303
    return answer.headers["set-cookie"]


def test_cookies_are_secure_over_https_as_the_trusted_proxy_says(two_workers, server):
    assert "secure" not in _login_cookie(server).lower()  # plain HTTP, no proxy
    https = _login_cookie(two_workers, {"X-Forwarded-Proto": "https"} | _from("198.18.4.1"))
    assert "secure" in https.lower() and "httponly" in https.lower()


def test_secure_cookies_can_be_required(tmp_path):
    always = start_server(tmp_path, env={"SMARTGATE_SECURE_COOKIES": "always"})
    try:
        assert "secure" in _login_cookie(always).lower()
    finally:
        always.stop()


def test_an_oversized_body_is_refused_before_it_is_sent(server):
    # Only the headers go out: the answer must come without the server waiting for 300 MB.
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/declarations/bulk HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n"
        )
        head = sock.recv(200)
    assert head.startswith(b"HTTP/1.1 413")


def test_a_streamed_oversized_body_is_refused(server):
    def chunks():
        for _ in range(80):
            yield b" " * 65536  # 5 MiB of JSON whitespace in all

    answer = httpx.post(
        f"{server.url}/api/v1/declarations/bulk", content=chunks(),
        headers={"Content-Type": "application/json"}, timeout=30,
    )  # fmt: skip
    assert answer.status_code == 413


def test_a_bulk_of_a_thousand_trucks_of_ten_goods_lines_fits_the_limit(server):
    line = goods("081060") | {
        "gross_kg": 1800,
        "description": "Sầu riêng tươi Ri6 loại 1, thùng 18 kg",
    }
    trucks = [
        declaration(tractor_plate=f"51C-{i // 100:03d}.{i % 100:02d}", goods=[line] * 10)
        for i in range(1000)
    ]
    body = httpx.Request("POST", "/", json={"declarations": trucks}).content
    assert 1_500_000 < len(body) < 4 * 1024 * 1024
    with server.client("forwarder1") as http:
        answer = http.post("/api/v1/declarations/bulk", content=body,
                           headers={"Content-Type": "application/json"}, timeout=120)  # fmt: skip
    assert answer.status_code == 201, answer.text[:300]
