"""`smartgate policy` and `smartgate queue` as an authority runs them: tables, one-line errors."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from smartgate.bootstrap import prepare, unit_of_work
from smartgate.queue import waiting_area
from smartgate.queue.schemas import ArrivalIn
from smartgate.shared.clock import VN_TZ

from factories import actor, declare, demo_settings, goods, plate

TOMORROW = (datetime.now(UTC) + timedelta(days=1)).astimezone(VN_TZ).date().isoformat()
AUTHORITY = ("--as", "authority-vn")


def run(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "smartgate.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def ok(*args, env) -> str:
    result = run(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def row(output: str, *cells: str) -> bool:
    """True when one line of a Rich table holds these cells, in order."""
    pattern = r"\s*│\s*".join(re.escape(cell) for cell in cells)
    return re.search(pattern, output) is not None


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path / 'policy.db'}"
    prepare(demo_settings(url))  # gates, demo users and each side's opening-hours capacity
    environment = os.environ | {
        "SMARTGATE_DATABASE_URL": url,
        "SMARTGATE_DEMO": "1",
        "SMARTGATE_SIDE": "VN",
        "COLUMNS": "200",  # wide enough that Rich tables do not wrap
    }
    environment.pop("SMARTGATE_SECRET_KEY", None)
    return environment


def test_capacity_prints_the_day_and_reads_back(env):
    common = ("huu-nghi", "--direction", "export", "--day", TOMORROW)
    declared = ok(
        "policy", "capacity", *common, "--trucks-per-hour", "40", "--from-hour", "7",
        "--to-hour", "19", *AUTHORITY, env=env,
    )  # fmt: skip
    assert f"huu-nghi export on {TOMORROW}" in declared
    assert row(declared, "07:00", "40", "33", "33")  # China declared 33 (3 lanes x 11)
    assert row(declared, "05:00", "—", "—", "0")
    china = ok(
        "policy", "capacity", *common, "--trucks-per-hour", "20", "--from-hour", "8",
        "--to-hour", "12", "--side", "CN", *AUTHORITY, env=env,
    )  # fmt: skip
    assert "CN time" in china and row(china, "08:00", "40", "20", "20")  # 07:00 in Viet Nam
    shown = ok("policy", "show-capacity", "huu-nghi", "--date", TOMORROW, env=env)
    assert row(shown, "07:00", "40", "20", "20") and row(shown, "10:00", "40", "20", "20")
    assert row(shown, "11:00", "40", "33", "33")  # noon in China: its daily figure again


@pytest.mark.parametrize(
    ("args", "start"),  # the whole line, or how it starts where Pydantic words the rest
    [
        (
            ("policy", "capacity", "huu-nghi", "--direction", "export", "--trucks-per-hour", "40",
             "--from-hour", "7", "--to-hour", "5", *AUTHORITY),
            "error: the end hour must be after the start hour",
        ),
        (
            ("policy", "capacity", "nowhere", "--direction", "export", "--trucks-per-hour", "40",
             "--from-hour", "7", "--to-hour", "19", *AUTHORITY),
            "error: gate 'nowhere' does not exist",
        ),
        (
            ("policy", "capacity", "huu-nghi", "--direction", "export", "--trucks-per-hour", "40",
             "--from-hour", "7", "--to-hour", "25", "--day", "2026-13-01", *AUTHORITY),
            "error: --to-hour: Input should be less than or equal to 24; --day: ",
        ),
        (
            ("policy", "capacity", "huu-nghi", "--direction", "export", "--trucks-per-hour", "40",
             "--from-hour", "7", "--to-hour", "19", "--as", "driver1"),
            "error: only the border authority sets capacity, suspensions and gate rules",
        ),
        (
            ("policy", "show-capacity", "huu-nghi", "--direction", "sideways"),
            "error: --direction: must be export or import, not 'sideways'",
        ),
        (
            ("policy", "suspend", "--reason", "checks", "--hs", "3", "--flag", "hot", *AUTHORITY),
            "error: --hs: must be 2 to 6 digits of an HS code, e.g. 0303; --flag: ",
        ),
        (
            ("policy", "suspend", "--reason", "checks", "--starts", "soon", *AUTHORITY),
            "error: --starts: not a date and time like 2026-11-25T08:00",
        ),
        (("policy", "lift", "99", *AUTHORITY), "error: suspension 99 does not exist"),
        (
            ("policy", "set-rules", "huu-nghi", *AUTHORITY),
            "error: nothing to change: give at least one rule option (see --help)",
        ),
        (
            ("policy", "set-rules", "huu-nghi", "--priority", "backlog,vip", *AUTHORITY),
            "error: --priority: Input should be 'backlog', ",
        ),
        (("policy", "rules", "nowhere"), "error: gate 'nowhere' does not exist"),
        (
            ("queue", "board", "nowhere", *AUTHORITY),
            "error: gate 'nowhere' does not exist",
        ),
        (
            ("queue", "board", "huu-nghi", "--as", "driver1"),
            "error: only operators of huu-nghi and authorities see its queue board",
        ),
    ],
)  # fmt: skip
def test_bad_values_exit_with_one_line(env, args, start):
    result = run(*args, env=env)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(start)
    assert "Traceback" not in result.stdout


def _waiting_trucks(env) -> None:
    # Trucks reach the waiting area at the gate, not through the command line.
    uow = unit_of_work(demo_settings(env["SMARTGATE_DATABASE_URL"]))
    operator = actor(uow, "operator-huunghi")
    fish = declare(uow, tractor_plate=plate(1), goods=[goods("030389", cold_chain=True)])
    fruit = declare(uow, tractor_plate=plate(2), goods=[goods("081060")])
    for trip in (fish, fruit):
        waiting_area.check_in(
            uow=uow, actor=operator, gate_id="huu-nghi", data=ArrivalIn(declaration_id=trip.id)
        )


def test_suspension_holds_waiting_trucks_until_lifted(env):
    _waiting_trucks(env)
    board = ("queue", "board", "huu-nghi", "--direction", "export", "--as", "operator-huunghi")
    before = ok(*board, env=env)
    assert "huu-nghi export: 2 waiting, 0 held" in before
    assert row(before, "0", plate(1), "live") and row(before, "1", plate(2), "live")
    made = ok(
        "policy", "suspend", "--reason", "cold-chain checks", "--gate", "huu-nghi",
        "--flag", "cold_chain", "--hs", "0303", *AUTHORITY, env=env,
    )  # fmt: skip
    assert "suspension 1: cold-chain checks" in made
    assert row(made, "1", "huu-nghi", "both", "HS 0303*, cold_chain")
    assert "1 waiting, 1 held" in ok(*board, env=env)
    assert row(ok("policy", "suspensions", "--gate", "huu-nghi", env=env), "1", "huu-nghi")
    assert "lifted suspension 1 (cold-chain checks)" in ok(
        "policy", "lift", "1", *AUTHORITY, env=env
    )
    after = ok(*board, env=env)
    assert "2 waiting, 0 held" in after and row(after, "0", plate(1), "live")
    assert "no suspensions" in ok("policy", "suspensions", env=env)
    assert "lifted by authority-vn" in ok("policy", "suspensions", "--all", env=env)


def test_rules_show_and_change_only_what_is_given(env):
    assert row(ok("policy", "rules", "huu-nghi", env=env), "bookings-per-minute", "10")
    changed = ok(
        "policy", "set-rules", "huu-nghi", "--bookings-per-minute", "50", "--green-zone",
        "--priority", "backlog", *AUTHORITY, env=env,
    )  # fmt: skip
    assert row(changed, "bookings-per-minute", "50", "changed")
    assert row(changed, "green-zone", "yes", "changed")
    assert row(changed, "priority-order", "backlog", "changed")
    assert row(changed, "live-every", "3", "")
    again = ok("policy", "rules", "huu-nghi", env=env)
    assert row(again, "bookings-per-minute", "50") and row(again, "green-zone", "yes")


def test_wait_times_count_the_waiting_trucks(env):
    _waiting_trucks(env)
    feed = ok("queue", "wait-times", env=env)
    assert row(feed, "huu-nghi (Hữu Nghị)", "export", "2")
    assert row(feed, "tan-thanh (Tân Thanh)", "import", "0")


def test_the_authority_sets_a_gate_tariff_from_a_toml_file(env, tmp_path):
    assert row(ok("tariffs", "show", "huu-nghi", env=env), "any heavier", "4,000,000")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[bands]]\nbelow_t = 10\nfee = 300_000\n\n[[bands]]\nfee = 1\n")
    refused = run("tariffs", "set", "huu-nghi", str(bad), *AUTHORITY, env=env)
    assert refused.returncode == 1 and "bands.1.fee" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    missing = run("tariffs", "set", "huu-nghi", str(tmp_path / "none.toml"), *AUTHORITY, env=env)
    assert missing.returncode == 1 and "cannot be read" in missing.stderr
    good = tmp_path / "good.toml"
    good.write_text("[[bands]]\nbelow_t = 10\nfee = 300_000\n\n[[bands]]\nfee = 3_000_000\n")
    shown = ok("tariffs", "set", "huu-nghi", str(good), *AUTHORITY, env=env)
    assert "set in the app tariff, by authority-vn" in shown and row(shown, "10", "300,000")
    assert "shipped" in ok("tariffs", "reset", "huu-nghi", *AUTHORITY, env=env)
    driver = run("tariffs", "reset", "huu-nghi", "--as", "driver1", env=env)
    assert driver.returncode == 1 and "authority" in driver.stderr
