"""Two real instances, VN and CN, each with its own database and key, registered as each
other's peer: what one side does reaches the other, exactly once and in order, even when the
other side is down for a while; what is not signed right is refused."""

import json
import os
import stat
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from factories import declaration, plate
from peers import FakePeer, capacity
from servers import Server, start_server

TODAY = date.today().isoformat()


def _cli(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smartgate.cli", *args], cwd=workdir, capture_output=True,
        text=True, timeout=60, env=os.environ | {"SMARTGATE_KEY_FILE": str(workdir / "k.key")},
    )  # fmt: skip


def _instance(workdir: Path, side: str, port: int | None = None) -> Server:
    return start_server(
        workdir, side=side, port=port, env={"SMARTGATE_KEY_FILE": str(workdir / "k.key")}
    )


def _wait_for(check: Callable[[], object], seconds: float = 90) -> object:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _status(server: Server) -> dict:
    shown = server.cli("exchange", "status", "--json")
    assert shown.returncode == 0, shown.stderr
    [peer] = json.loads(shown.stdout)["peers"]
    return peer


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    keys, dirs = {}, {}
    for side in ("VN", "CN"):
        dirs[side] = tmp_path_factory.mktemp(side.lower())
        made = _cli(dirs[side], "keys", "generate")
        assert made.returncode == 0, made.stderr
        keys[side] = made.stdout.strip().splitlines()[-1]
    servers = {side: _instance(dirs[side], side) for side in ("VN", "CN")}
    for side, other in (("VN", "CN"), ("CN", "VN")):
        added = servers[side].cli(
            "peers", "add", other.lower(), "--url", servers[other].url, "--public-key", keys[other]
        )
        assert added.returncode == 0, added.stderr
    yield servers | {"dirs": dirs, "keys": keys}  # type: ignore[misc]
    for side in ("VN", "CN"):
        if servers[side].process.poll() is None:
            servers[side].stop()


def test_the_key_file_is_private_never_overwritten_and_shows_its_public_key(pair) -> None:
    workdir = pair["dirs"]["VN"]
    assert stat.S_IMODE((workdir / "k.key").stat().st_mode) == 0o600
    again = _cli(workdir, "keys", "generate")
    assert again.returncode == 1 and "not overwritten" in again.stderr
    assert "Traceback" not in again.stderr
    shown = _cli(workdir, "keys", "show")
    assert shown.stdout.strip() == pair["keys"]["VN"]
    listed = pair["VN"].cli("peers", "list")
    assert "cn" in listed.stdout and pair["CN"].url in listed.stdout
    taken = pair["VN"].cli(
        "peers", "add", "cn", "--url", "https://x.example", "--public-key", "abc"
    )
    assert taken.returncode == 1 and "public_key" in taken.stderr
    plain = pair["VN"].cli("peers", "update", "cn", "--url", "http://gate.example.cn")
    assert plain.returncode == 1 and "url" in plain.stderr and "https://" in plain.stderr
    assert "Traceback" not in plain.stderr
    unknown = pair["VN"].cli("peers", "update", "nobody", "--url", pair["CN"].url)
    assert unknown.returncode == 1 and "nobody" in unknown.stderr
    same = pair["VN"].cli("peers", "update", "cn", "--url", pair["CN"].url)
    assert same.returncode == 0 and pair["CN"].url in same.stdout


def test_capacity_declared_on_one_side_is_the_other_sides_figure(pair) -> None:
    vn, cn = pair["VN"], pair["CN"]
    answer = vn.client("authority-vn").put(
        "/api/v1/gates/mong-cai/capacity",
        json={"direction": "export", "trucks_per_hour": 17, "from_hour": 7, "to_hour": 19},
    )
    assert answer.status_code == 200, answer.text

    def arrived() -> dict | None:
        day = httpx.get(
            f"{cn.url}/api/v1/gates/mong-cai/capacity",
            params={"date": TODAY, "direction": "import"},
        ).json()
        return day if any(s["declared_by"] == "peer:vn" for s in day["sources"]) else None

    day = _wait_for(arrived, 30)
    assert day, "the VN figure never reached CN"
    # 10:00 in China is 09:00 in Viet Nam: inside the hours VN declared.
    assert day["hours"][10]["vn"] == 17
    [source] = [s for s in day["sources"] if s["declared_by"] == "peer:vn"]
    assert source["side"] == "VN" and source["received"] is True


def test_with_the_other_side_down_this_side_works_on_and_catches_up_exactly_once(pair) -> None:
    vn, cn = pair["VN"], pair["CN"]
    port = urlsplit(cn.url).port
    cn.stop()
    forwarder, authority = vn.client("forwarder1"), vn.client("authority-vn")
    trips = []
    for n in range(6):
        made = forwarder.post(
            "/api/v1/declarations", json=declaration(tractor_plate=plate(700 + n), containers=[])
        )
        assert made.status_code == 201, made.text
        trips.append(made.json())
    cancelled = forwarder.post(f"/api/v1/declarations/{trips[0]['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    for trucks in (21, 22, 23):
        answer = authority.put(
            "/api/v1/gates/mong-cai/capacity",
            json={"direction": "export", "trucks_per_hour": trucks, "from_hour": 7, "to_hour": 19},
        )
        assert answer.status_code == 200
    stop = authority.post(
        "/api/v1/suspensions", json={"reason": "Cold-chain inspection", "gate_id": "mong-cai"}
    )
    assert stop.status_code == 201, stop.text

    behind = _wait_for(lambda: (s := _status(vn))["last_error"] and s, 30)
    assert behind, "the courier never noticed the peer was down"
    assert behind["pending"] >= 11 and behind["oldest_pending_at"] is not None
    sent = vn.cli("exchange", "send")
    assert sent.returncode == 1 and "still pending" in sent.stdout + sent.stderr
    assert "Traceback" not in sent.stderr

    pair["CN"] = cn = _instance(pair["dirs"]["CN"], "CN", port=port)
    caught_up = _wait_for(lambda: (s := _status(vn))["pending"] == 0 and s, 90)
    assert caught_up, f"still pending after the restart: {_status(vn)}"
    assert caught_up["last_error"] is None and caught_up["failed"] == 0

    received = (
        cn.client("authority-vn")
        .get("/api/v1/exchange/messages", params={"direction": "in", "limit": 1000})
        .json()
    )
    # Exactly once: one message per number in each stream, no number missing, all applied.
    by_stream: dict[str, list[int]] = {}
    for message in received:
        by_stream.setdefault(message["stream"], []).append(message["seq"])
        assert message["status"] == "applied", message
    for stream, seqs in by_stream.items():
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), stream
        assert Counter(seqs).most_common(1)[0][1] == 1
    assert len(received) == caught_up["delivered"]
    assert _status(cn)["gaps"] == {} and _status(cn)["held"] == 0

    # In order: the last capacity figure stands, the cancelled trip is cancelled there too.
    day = httpx.get(
        f"{cn.url}/api/v1/gates/mong-cai/capacity", params={"date": TODAY, "direction": "import"}
    ).json()
    assert day["hours"][10]["vn"] == 23
    manifests = {
        m["reference"]: m
        for m in cn.client("authority-vn").get("/api/v1/exchange/manifests").json()
    }
    assert {t["id"] for t in trips} <= set(manifests)
    assert manifests[trips[0]["id"]]["status"] == "cancelled"
    assert manifests[trips[1]["id"]]["tractor_plate"] == plate(701)
    assert manifests[trips[1]["id"]]["direction"] == "import"
    notices = (
        cn.client("authority-vn")
        .get("/api/v1/exchange/messages", params={"direction": "in", "type": "suspension"})
        .json()
    )
    assert [n["payload"]["reason"] for n in notices] == ["Cold-chain inspection"]


def test_an_envelope_not_signed_right_is_refused_and_a_replay_changes_nothing(pair) -> None:
    cn = pair["CN"]
    intruder = FakePeer()
    registered = FakePeer()
    added = cn.cli(
        "peers", "add", registered.name, "--url", "http://127.0.0.1:9",
        "--public-key", registered.public_key,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    to_cn = {"recipient": pair["keys"]["CN"]}
    tampered = registered.envelope("capacity", capacity(5, day=TODAY), **to_cn)
    tampered["payload"]["trucks_per_hour"] = 500
    old = datetime.now(UTC) - timedelta(minutes=30)
    refused = {
        "tampered": tampered,
        "unknown": intruder.envelope("capacity", capacity(5), **to_cn),
        "expired": registered.envelope("capacity", capacity(5), sent_at=old, **to_cn),
        "not for CN": registered.envelope("capacity", capacity(5)),
    }
    inbox = f"{cn.url}/api/v1/exchange/inbox"
    for name, envelope in refused.items():
        answer = httpx.post(inbox, json=envelope)
        assert answer.status_code == 401, (name, answer.text)
    reasons = [
        r["reason"] for r in json.loads(cn.cli("exchange", "status", "--json").stdout)["refusals"]
    ]
    assert any("bad signature" in r for r in reasons)
    assert any("unknown sender" in r for r in reasons)
    assert any("expired" in r for r in reasons)
    assert any("not addressed" in r for r in reasons)

    good = registered.envelope("statistics", {"day": TODAY, "side": "VN", "gates": []}, **to_cn)
    first = httpx.post(inbox, json=good)
    assert first.status_code == 201 and first.json()["status"] == "applied"
    replay = httpx.post(inbox, json=good)
    assert replay.status_code == 200 and replay.json()["status"] == "duplicate"
    kept = (
        cn.client("authority-vn")
        .get("/api/v1/exchange/messages", params={"direction": "in", "type": "statistics"})
        .json()
    )
    assert [m["id"] for m in kept].count(good["id"]) == 1
    # No user token opens the inbox, and none is needed: a peer is known by its key.
    assert httpx.post(inbox, json={"id": str(uuid.uuid4())}).status_code == 422
