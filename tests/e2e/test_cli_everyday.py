"""Everyday use of the command line (#15): every bad row of a file in one run, one line per
failure, the folder of `serve --demo` usable as it is, tables whole when piped."""

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from smartgate.bootstrap import prepare
from smartgate.cli import simulate
from smartgate.cli.app import app
from smartgate.cli.declarations import ImportRefused
from smartgate.config import DEMO_SECRET, get_settings
from smartgate.declarations import csv_import

from factories import arrival, container, demo_settings
from servers import free_port


def run(*args, env, cwd=None):
    """`smartgate ARGS` in a process of its own, as a user runs it (output piped)."""
    return subprocess.run(
        [sys.executable, "-m", "smartgate.cli", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def bare_environment() -> dict[str, str]:
    """This process's environment without any smartgate setting, and with no COLUMNS."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("SMARTGATE_") and name != "COLUMNS"
    }


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    """A demo database with the gates, the demo users and a sample trip."""
    url = f"sqlite:///{tmp_path_factory.mktemp('everyday') / 'cli.db'}"
    prepare(demo_settings(url))
    return url


def invoke(url: str, *args: str):
    """`smartgate ARGS` in this process on the demo database."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(
            app, list(args), env={"SMARTGATE_DATABASE_URL": url, "SMARTGATE_DEMO": "1"}
        )
    finally:
        get_settings.cache_clear()


def stored(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM declarations")).scalar_one()
    engine.dispose()
    return int(count)


# --- 13: every bad row of a file in one run -----------------------------------------------

# Faults a row can carry, each with the column it is reported in. A row may carry several;
# at most one about its containers, one about its arrival and one about its HS code.
TRIP_FAULTS = {
    "gate": ("gate_id", "nowhere"),
    "plate": ("tractor_plate", "bad"),
    "flag": ("perishable", "maybe"),
    "weight": ("gross_kg", "0"),
    "currency": ("currency", "XXX"),
}
rows = st.lists(
    st.one_of(
        st.just("empty ref"),
        st.fixed_dictionaries(
            {
                "container": st.sampled_from([None, "check digit", "twice", "shared"]),
                "hs": st.sampled_from([None, "unknown", "malformed"]),
                "arrival": st.sampled_from([None, "past", "unreadable"]),
                "others": st.frozensets(st.sampled_from(sorted(TRIP_FAULTS))),
            }
        ),
    ),
    min_size=1,
    max_size=8,
)


def _values(index: int, row) -> dict[str, str]:
    own = container(index + 2)
    values = {
        "ref": f"T{index + 1}",
        "gate_id": "huu-nghi",
        "direction": "export",
        "tractor_plate": "12C-123.45",
        "trailer_plate": "",
        "driver_name": "An",
        "driver_phone": "",
        "containers": own,
        "expected_arrival": arrival(),
        "hs_code": "081060",
        "description": "durian",
        "gross_kg": "9000",
        "value": "100",
        "currency": "USD",
        "perishable": "yes",
        "cold_chain": "",
        "production_input": "",
    }
    if row == "empty ref":
        return values | {"ref": ""}
    values["containers"] = {
        None: own,
        "check digit": own[:-1] + str((int(own[-1]) + 1) % 10),
        "twice": f"{own};{own}",
        "shared": container(1),  # the first truck's, arriving at the same time
    }[row["container"]]
    values["hs_code"] = {None: "081060", "unknown": "999999", "malformed": "0810"}[row["hs"]]
    for fault in row["others"]:
        column, value = TRIP_FAULTS[fault]
        values[column] = value
    values["expected_arrival"] = {
        None: values["expected_arrival"],
        "past": f"2020-01-{2 * index + 1:02d}T08:00:00+07:00",  # a day of its own
        "unreadable": "tomorrow",
    }[row["arrival"]]
    return values


def _expected(row) -> set[str]:
    """The columns a row's faults are reported in."""
    if row == "empty ref":
        return {"ref"}
    columns = {TRIP_FAULTS[fault][0] for fault in row["others"]}
    if row["arrival"]:
        columns.add("expected_arrival")
    # The shared container is the first truck's, arriving at the time good rows arrive.
    if row["container"] and not (row["container"] == "shared" and row["arrival"]):
        columns.add("containers")
    # Whether goods exist is asked of the gate: an unknown gate has no answer.
    if row["hs"] == "malformed" or (row["hs"] == "unknown" and "gate" not in row["others"]):
        columns.add("hs_code")
    return columns


def _file(tmp_path: Path, faulty) -> Path:
    good = {"container": None, "hs": None, "arrival": None, "others": frozenset()}
    first = _values(-1, good)
    lines = [",".join(csv_import.COLUMNS), ",".join(first[c] for c in csv_import.COLUMNS)]
    for index, row in enumerate(faulty):
        values = _values(index, row)
        lines.append(",".join(values[c] for c in csv_import.COLUMNS))
    path = tmp_path / "trucks.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(faulty=rows)
def test_every_bad_row_is_reported_in_one_run_and_nothing_is_stored(
    demo_url, tmp_path_factory, faulty
):
    expected = {index + 3: _expected(row) for index, row in enumerate(faulty)}  # 2 is good
    expected = {line: columns for line, columns in expected.items() if columns}
    path = _file(tmp_path_factory.mktemp("csv"), faulty)
    before = stored(demo_url)
    result = invoke(demo_url, "declarations", "import", str(path), "--as", "forwarder1")
    reported: dict[int, set[str]] = {}
    for found in re.finditer(r"^line (\d+): (\w+):", result.stdout, re.MULTILINE):
        reported.setdefault(int(found[1]), set()).add(found[2])
    assert reported == expected
    if expected:
        assert isinstance(result.exception, ImportRefused), result.output
        assert str(result.exception).startswith(f"{sum(map(len, expected.values()))} faults")
        assert stored(demo_url) == before
    else:
        assert result.exit_code == 0, result.output
        assert stored(demo_url) == before + len(faulty) + 1


def test_a_missing_file_is_one_line(tmp_path):
    env = bare_environment() | {"SMARTGATE_DEMO": "1", "SMARTGATE_DATABASE_URL": "sqlite://"}
    result = run("declarations", "import", str(tmp_path / "nope.csv"), "--as", "x", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"error: {tmp_path / 'nope.csv'}: no such file"]
    assert result.stdout == ""


def test_nothing_found_in_the_hs_nomenclature_is_said_and_exits_0(demo_url):
    result = invoke(demo_url, "registry", "hs", "xyzzy")
    assert result.exit_code == 0
    assert result.stdout == "no HS 2022 code or description matches 'xyzzy'\n"


# --- 14: the folder of `serve --demo` --------------------------------------------------------


def test_the_folder_of_serve_demo_is_usable_as_it_is_and_its_key_nowhere_else(tmp_path):
    folder = tmp_path / "demo"
    folder.mkdir()
    env = bare_environment()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "smartgate.cli", "serve", "--demo", "--port", str(port)],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        assert (folder / "smartgate.db.demo").is_file()

        users = run("users", "list", env=env, cwd=folder)
        assert users.returncode == 0, users.stderr
        assert "forwarder1" in users.stdout and "…" not in users.stdout  # piped: not cut
        template = run("declarations", "template", env=env, cwd=folder)
        (folder / "trucks.csv").write_text(template.stdout, encoding="utf-8")
        imported = run(
            "declarations", "import", "trucks.csv", "--as", "forwarder1", env=env, cwd=folder
        )
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert imported.stdout.strip() == "declared 1 trucks from trucks.csv"

        # The published demo key is never taken outside demo mode, even on this database.
        # (test_security: a server outside demo mode refuses it too, and demo tokens.)
        refused = run("users", "list", env=env | {"SMARTGATE_SECRET_KEY": DEMO_SECRET}, cwd=folder)
        assert refused.returncode == 2 and "is the published demo key" in refused.stderr
        # Serving without --demo never picks demo mode up from the folder.
        real = run("serve", "--port", str(free_port()), env=env, cwd=folder)
        assert real.returncode == 2 and "SMARTGATE_SECRET_KEY must be set" in real.stderr
        # Elsewhere the error says what to set, and how.
        elsewhere = run("users", "list", env=env, cwd=tmp_path)
        assert elsewhere.returncode == 2
        (line,) = elsewhere.stderr.splitlines()
        assert "secrets.token_urlsafe" in line and "smartgate serve --demo" in line
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(url: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        assert server.poll() is None, "serve --demo stopped"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve --demo did not answer within a minute")


def test_the_template_imports_as_it_is(demo_url, tmp_path):
    template = invoke(demo_url, "declarations", "template")
    path = tmp_path / "template.csv"
    path.write_text(template.stdout, encoding="utf-8")
    result = invoke(demo_url, "declarations", "import", str(path), "--as", "forwarder1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "declared 1 trucks from template.csv\n"


# --- 15: progress and tables ---------------------------------------------------------------


def test_simulate_progress_shows_its_words_not_markup(monkeypatch, demo_url):
    shown = io.StringIO()
    terminal = Console(file=shown, force_terminal=True, markup=False, width=100)
    monkeypatch.setattr(simulate, "errors", terminal)
    result = invoke(
        demo_url,
        *("simulate", "mmc", "--arrival-rate", "0.5", "--service-rate", "1"),
        *("--customers", "200", "--replications", "2", "--json"),
    )
    assert result.exit_code == 0, result.output
    assert "replications" in shown.getvalue()
    assert "[progress" not in shown.getvalue()


def test_piped_tables_keep_every_column_whole():
    result = run(
        "simulate", "huu-nghi-1119-800", "--replications", "2", "--days", "2", "--workers", "1",
        env=bare_environment(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    assert "throughput / day" in result.stdout and "road queue at end" in result.stdout
