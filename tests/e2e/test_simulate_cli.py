"""`smartgate simulate` as an analyst runs it: JSON to parse, files written, one-line errors."""

import csv
import dataclasses
import html
import json
import os
import re
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

from smartgate.simulation import events, scenario
from smartgate.simulation.gate import simulate


def run(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "smartgate.cli", "simulate", *args],
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def env():
    return os.environ | {"COLUMNS": "200"}  # wide enough that Rich tables do not wrap


def test_mmc_prints_json_with_the_erlang_c_answer(env):
    result = run(
        "mmc",
        *("--arrival-rate", "7.2", "--service-rate", "1", "--servers", "8"),
        *("--customers", "20000", "--replications", "5", "--json"),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["analytic_mean_wait"] == pytest.approx(0.8769, abs=1e-4)
    assert answer["analytic_method"] == "Erlang C"
    low, high = answer["ci95"]
    assert low < answer["mean_wait"] < high
    assert answer["mean_wait"] == pytest.approx(0.8769, rel=0.25)
    assert answer["p95_wait"] > answer["mean_wait"]
    assert answer["customers_per_second"] > 0
    assert answer["rho"] == pytest.approx(0.9)


def test_mdc_gives_pollaczek_khinchine_for_one_server_and_no_exact_answer_beyond(env):
    common = ("--arrival-rate", "0.7", "--service-rate", "1", "--customers", "5000", "--json")
    one = json.loads(run("mdc", *common, "--replications", "3", env=env).stdout)
    assert one["analytic_mean_wait"] == pytest.approx(0.7 / (2 * 0.3))
    assert one["analytic_method"] == "Pollaczek-Khinchine"
    two = json.loads(run("mdc", *common, "--servers", "2", env=env).stdout)
    assert two["analytic_mean_wait"] is None
    assert two["approx_mean_wait"] > 0


def test_a_shipped_scenario_writes_csv_and_a_self_contained_report(tmp_path, env):
    out_csv, out_html = tmp_path / "out.csv", tmp_path / "out.html"
    result = run(
        "huu-nghi-1119-800",
        *("--replications", "3", "--workers", "2", "--days", "2"),
        *("--csv", str(out_csv), "--html", str(out_html)),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "huu-nghi-1119-800" in result.stdout
    [row] = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert row["scenario"] == "huu-nghi-1119-800"
    assert row["replications"] == "3"
    assert float(row["throughput_per_day_mean"]) > 500
    page = out_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in page
    assert not re.search(r"<script[^>]+src=", page), "plotly.js is inline, not fetched"


def test_a_sweep_runs_every_combination_and_refuses_unknown_modes(tmp_path, env):
    out_csv = tmp_path / "sweep.csv"
    sweep = ("huu-nghi-1119-800", "--lanes", "2,3", "--rates", "800", "--days", "2")
    result = run(
        *sweep,
        *("--modes", "direct_crossing,tractor_swap", "--replications", "2", "--workers", "1"),
        *("--csv", str(out_csv)),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert len(rows) == 4
    assert rows[0]["scenario"] == "huu-nghi-1119-800 [lanes=2 mode=direct_crossing rate=800]"
    unknown = run(*sweep, "--modes", "teleport", env=env)
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("error: --modes: must be one of direct_crossing")


def test_a_bad_scenario_file_is_one_line_naming_the_field(tmp_path, env):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[arrivals]\nper_day = 100\n[inspection]\nlanes = 0\n')
    result = run(str(bad), "--replications", "2", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: {bad}: inspection.lanes: must be at least 1, got 0"
    assert "Traceback" not in result.stderr


def test_an_unstable_queue_is_refused_in_one_line(env):
    result = run("mmc", "--arrival-rate", "9", "--service-rate", "1", "--servers", "8", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: unstable queue: rho = 9 / (8 x 1) = 1.125 >= 1"


@pytest.fixture
def recorded_events():
    """Three days of the shipped Hữu Nghị scenario as its gate would have recorded them."""
    gate = dataclasses.replace(scenario.load("huu-nghi-1119-800"), days=3, warmup_days=0)
    return list(events.from_trucks(simulate(gate, np.random.default_rng(4)).trucks, gate.start))


def test_calibration_from_a_csv_shows_observed_beside_predicted(tmp_path, env, recorded_events):
    path, report = tmp_path / "gate-events.csv", tmp_path / "calibration.html"
    events.write_csv(recorded_events, path)
    result = run("calibrate", str(path), "--replications", "3", "--html", str(report), env=env)
    assert result.returncode == 0, result.stderr
    assert "Observed against predicted" in result.stdout
    assert "service time: lognormal" in result.stdout
    assert report.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_calibration_reads_events_from_the_database(tmp_path, env, recorded_events):
    env |= {"SMARTGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'gate.db'}", "SMARTGATE_DEMO": "1"}
    with sqlite3.connect(tmp_path / "gate.db") as db:
        db.execute("CREATE TABLE gate_events (truck TEXT, kind TEXT, at TEXT)")
        db.executemany(
            "INSERT INTO gate_events VALUES (?, ?, ?)",
            [(e.truck_id, e.kind, e.at.isoformat()) for e in recorded_events],
        )
    query = "SELECT truck AS truck_id, kind AS event, at AS timestamp FROM gate_events"
    result = run("calibrate", "--sql", query, "--replications", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert "3 days from 2025-03-03, 2 lanes busy at most" in result.stdout
    wrong = run("calibrate", "--sql", "SELECT truck FROM gate_events", env=env)
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "error: query: missing column(s) event, timestamp, truck_id"


def test_a_call_trace_lists_every_truck_of_every_replication_in_call_order(tmp_path, env):
    trace = tmp_path / "calls.csv"
    result = run(
        "mong-cai-2022-04",
        *("--replications", "2", "--workers", "1", "--days", "3", "--trace", str(trace)),
        env=env,
    )
    assert result.returncode == 0, result.stderr
    with trace.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "replication", "truck", "channel", "class", "arrived", "called", "served_start",
        "served_end", "departed",
    ]  # fmt: skip
    assert {r["replication"] for r in rows} == {"1", "2"}
    first = [r for r in rows if r["replication"] == "1"]
    called = [r for r in first if r["called"]]
    assert [float(r["called"]) for r in called] == sorted(float(r["called"]) for r in called)
    # The reopening's rules: backlog first, and no hour past the 10 trucks both sides declared.
    assert {r["class"] for r in called[:10]} == {"backlog"}
    per_hour = np.bincount([int(float(r["called"])) for r in called])
    assert per_hour.max() == 10
    # Cold chain is suspended: those trucks are listed, never called.
    never = [r for r in first if not r["called"]]
    assert never and all(float(r["arrived"]) <= 72 for r in never)


def test_a_trace_is_for_one_scenario_not_a_sweep(tmp_path, env):
    result = run("mong-cai-2022-04", "--lanes", "1,2", "--trace", str(tmp_path / "t.csv"), env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: --trace: one scenario at a time, not with a sweep"


def test_from_gate_writes_the_live_gate_as_a_scenario_that_runs(server, tmp_path):
    env = server.env | {"COLUMNS": "200"}  # the server's database, as its machine's CLI
    out = tmp_path / "now.toml"
    written = run("from-gate", "mong-cai", "--hours", "24", "--out", str(out), env=env)
    assert written.returncode == 0, written.stderr
    live = scenario.load(out)
    assert live.days == 1
    assert live.name.startswith("mong-cai-export-")
    assert out.read_text().startswith("# Taken from the live gate mong-cai (export)")
    ran = run(str(out), "--replications", "2", "--workers", "1", env=env)
    assert ran.returncode == 0, ran.stderr
    assert live.name in ran.stdout


def test_from_gate_names_what_it_cannot_plan(server):
    env = server.env | {"COLUMNS": "200"}
    unknown = run("from-gate", "nowhere", env=env)
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1,
        "error: gate 'nowhere' does not exist",
    )
    sideways = run("from-gate", "mong-cai", "--direction", "up", env=env)
    assert sideways.returncode == 1
    assert sideways.stderr.strip() == "error: --direction: must be one of export, import, got 'up'"


def test_advise_prints_the_smallest_value_and_its_figures_as_json(tmp_path, env):
    report = tmp_path / "advice.html"
    result = run(
        "advise", "huu-nghi-1119-800",
        *("--target-p95-wait", "300", "--vary", "lanes=1..3"),
        *("--replications", "2", "--workers", "1", "--days", "3", "--json", "--html", str(report)),
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert advice["variable"] == "lanes" and advice["target_p95_wait_min"] == 300
    chosen = advice["chosen"]
    assert chosen in (1, 2, 3)
    assert advice["at_chosen"]["value"] == chosen
    assert advice["at_chosen"]["p95_wait_min"] < 300
    if chosen > 1:
        assert advice["one_less"]["value"] == chosen - 1
        assert advice["one_less"]["p95_wait_min"] >= 300
    assert [t["value"] for t in advice["tried"]] == [1, 2, 3]
    assert set(advice["conclusion"]) == {"vi", "zh", "en"}
    assert "làn kiểm tra" in advice["conclusion"]["vi"]
    assert "查验通道" in advice["conclusion"]["zh"]
    page = report.read_text(encoding="utf-8")
    for sentence in advice["conclusion"].values():
        assert html.escape(sentence) in page
    assert "huu-nghi-1119-800" in page and "inspection lanes" in page


def test_advise_refuses_a_range_it_cannot_plan_in_one_line(env):
    result = run(
        "advise", "huu-nghi-1119-800", "--target-p95-wait", "30", "--vary", "cranes=1..3", env=env
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --vary: expected lanes=A..B, units=A..B or capacity=A..B, got 'cranes=1..3'"
    )


def test_cluster_local_gives_the_figures_of_one_worker(tmp_path, env):
    common = ("mong-cai-2022-04", "--replications", "3", "--days", "2", "--seed", "5")
    here, there = tmp_path / "here.csv", tmp_path / "there.csv"
    one = run(*common, "--workers", "1", "--csv", str(here), env=env)
    spread = run(*common, "--workers", "2", "--cluster", "local", "--csv", str(there), env=env)
    assert one.returncode == 0 and spread.returncode == 0, spread.stderr
    assert here.read_text() == there.read_text()


def test_an_unusable_recorded_file_is_one_line_and_exit_1(tmp_path, env):
    events_csv = tmp_path / "events.csv"
    events_csv.write_text(
        "truck_id,event,timestamp\n"
        "a,arrived,2025-03-03T06:30:00\n"
        "a,service_start,2025-03-03T06:40:00+07:00\n"
    )
    calibrated = run("calibrate", str(events_csv), env=env)
    assert calibrated.returncode == 1
    assert calibrated.stderr.count("\n") == 1
    assert "timestamps mix times with and without a UTC offset" in calibrated.stderr
    events_csv.write_text("truck_id,event,timestamp\na,arrived,soon\n")
    (tmp_path / "r.toml").write_text(
        'name = "r"\n[arrivals]\nreplay = "events.csv"\n'
        '[inspection]\nlanes = 1\nservice = { dist = "exponential", mean_min = 2 }\n'
    )
    replayed = run(str(tmp_path / "r.toml"), "--replications", "1", "--workers", "1", env=env)
    assert replayed.returncode == 1
    assert replayed.stderr.strip().endswith("events.csv:2: timestamp: not ISO 8601: 'soon'")
    assert replayed.stderr.count("\n") == 1
