"""Benchmark: a driver's pages on mobile data (issue 15): bytes over the wire and time until
the page is usable, each page loaded cold in Debian's Chromium over a slow link.

    python -m bench.driver_pages [--runs 3] [--server-url URL]

Each driver page (status, trips, a trip, its booking pass, a new declaration) is opened as
driver1 in a fresh browser context, so nothing is cached, with the network emulated through
a CDP session (Network.emulateNetworkConditions): 400 kbit/s down and up, 400 ms latency.
Bytes transferred are what came over the wire, compressed, headers included (CDP's
encodedDataLength), for every request the page makes until the network is quiet (the trip
page loads its slot section after itself). Times are the navigation's DOMContentLoaded and
load, from the browser's Navigation Timing, the median of `--runs` cold loads. Targets: at
most 30 KB and 2 s to load.

The bench works only in its own database `smartgate_bench_driver_pages`: it creates it when
missing, empties its schema at the start and leaves the data behind for inspection. It prints
each figure beside its target and exits 0: it is a benchmark, not a test.
"""

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright
from rich.console import Console
from rich.table import Table

from bench.harness import (
    DEFAULT_SERVER,
    banner,
    bearer,
    demo_server,
    fresh_demo_database,
    verdict,
)
from smartgate.api.deps import COOKIE
from smartgate.identity.services import DEMO_PASSWORD
from smartgate.shared.clock import VN_TZ

BENCH_DATABASE = "smartgate_bench_driver_pages"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
KBIT = 1000 / 8  # bytes a second in one kbit/s
SLOW_LINK = {
    "offline": False,
    "latency": 400,  # ms
    "downloadThroughput": 400 * KBIT,
    "uploadThroughput": 400 * KBIT,
}
BYTES_TARGET = 30_000
SECONDS_TARGET = 2.0
PHONE = {"width": 390, "height": 844}
console = Console(width=None if sys.stdout.isatty() else 160)


@dataclass(frozen=True)
class Load:
    """One cold load of a page: requests made, bytes over the wire, seconds to
    DOMContentLoaded and to load."""

    requests: int
    transferred: int
    ready: float
    loaded: float


def driver_pages(base: str) -> dict[str, str]:
    """The pages a driver opens on the road, by name: driver1's demo trip booked first, so
    its page shows the booking and the pass exists."""
    headers = bearer(base, "driver1")
    trips = httpx.get(f"{base}/api/v1/declarations", headers=headers, timeout=30).json()
    trip = trips["items"][0]
    # The demo server runs on the Viet Nam side: slots go by its dates.
    day = datetime.fromisoformat(trip["expected_arrival"]).astimezone(VN_TZ).date()
    slots = httpx.get(
        f"{base}/api/v1/gates/{trip['gate_id']}/slots",
        params={"date": day.isoformat(), "direction": trip["direction"]},
        timeout=30,
    ).json()["slots"]
    start = next(s["start"] for s in slots if s["remaining"])
    booked = httpx.post(
        f"{base}/api/v1/bookings",
        json={"declaration_id": trip["id"], "slot_start": start},
        headers=headers,
        timeout=30,
    )
    booked.raise_for_status()
    return {
        "status": "/status",
        "my trips": "/trips",
        "trip": f"/trips/{trip['id']}",
        "booking pass": f"/bookings/{booked.json()['id']}/pass",
        "new declaration": "/declarations/new",
    }


def signed_in_cookie(base: str) -> dict[str, str]:
    """driver1's sign-in cookie, as the login form sets it."""
    answer = httpx.post(
        f"{base}/login", data={"username": "driver1", "password": DEMO_PASSWORD}, timeout=30
    )
    return {"name": COOKIE, "value": answer.cookies[COOKIE], "url": base}


def cold_load(browser: Browser, base: str, cookie: dict[str, str], path: str) -> Load:
    """Open `path` in a fresh context (empty cache) over the slow link."""
    context = browser.new_context(base_url=base, viewport=PHONE, locale="vi-VN")
    context.add_cookies([cookie])  # type: ignore[list-item]
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_LINK)
    finished: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: finished.append(event["encodedDataLength"]))
    page.goto(path, wait_until="load")
    page.wait_for_load_state("networkidle")
    timing = page.evaluate(
        "() => { const t = performance.getEntriesByType('navigation')[0];"
        " return [t.domContentLoadedEventEnd, t.loadEventEnd]; }"
    )
    context.close()
    return Load(len(finished), int(sum(finished)), timing[0] / 1000, timing[1] / 1000)


def median_load(loads: list[Load]) -> Load:
    """The median of each figure over several cold loads."""
    return Load(
        max(load.requests for load in loads),
        int(statistics.median(load.transferred for load in loads)),
        statistics.median(load.ready for load in loads),
        statistics.median(load.loaded for load in loads),
    )


def report(measured: dict[str, tuple[str, Load]], runs: int) -> Table:
    """One row per page: its figures beside the targets and a verdict."""
    table = Table(
        title="smartgate driver pages, cold, over 400 kbit/s down and up with 400 ms latency",
        caption=(
            f"median of {runs} cold loads each, driver1 signed in, 390 × 844 viewport; bytes: "
            "compressed, headers included, every request until the network is quiet"
        ),
    )
    for column in ("page", "path", "requests", "transferred", "DOMContentLoaded", "load",
                   "target", "result"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("page", "path") else "right")
    for name, (path, load) in measured.items():
        passed = load.transferred <= BYTES_TARGET and load.loaded <= SECONDS_TARGET
        table.add_row(
            name, path, str(load.requests), f"{load.transferred / 1000:.1f} KB",
            f"{load.ready:.2f} s", f"{load.loaded:.2f} s",
            f"≤ {BYTES_TARGET / 1000:.0f} KB, ≤ {SECONDS_TARGET:.0f} s", verdict(passed),
        )  # fmt: skip
    return table


def arguments() -> argparse.Namespace:
    """The command line: cold loads per page and which PostgreSQL server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="cold loads of each page")
    parser.add_argument(
        "--server-url",
        default=os.environ.get("SMARTGATE_BENCH_SERVER_URL", DEFAULT_SERVER),
        help=f"PostgreSQL server; the bench works in its database {BENCH_DATABASE}",
    )
    return parser.parse_args()


def main() -> None:
    """Load each driver page cold over the slow link and print its figures by the targets."""
    args = arguments()
    console.print(banner("smartgate driver pages bench"))
    settings = fresh_demo_database(args.server_url, BENCH_DATABASE)
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_server(settings.database_url, Path(tmp) / "serve.log") as (base, _),
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        cookie = signed_in_cookie(base)
        measured = {
            name: (path, median_load([cold_load(browser, base, cookie, path)
                                      for _ in range(args.runs)]))
            for name, path in driver_pages(base).items()
        }  # fmt: skip
        browser.close()
    console.print(report(measured, args.runs))
    console.print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
