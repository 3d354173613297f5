"""The command line as a user runs it: exit codes, one readable line, nothing half-written."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from smartgate.declarations import csv_import

from factories import arrival, container


def run(*args, env, input_text=None):
    return subprocess.run(
        [sys.executable, "-m", "smartgate.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input_text,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path):
    environment = os.environ | {
        "SMARTGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SMARTGATE_DEMO": "1",
        "COLUMNS": "200",
    }
    environment.pop("SMARTGATE_SECRET_KEY", None)
    return environment


def _csv(tmp_path, rows):
    path = tmp_path / "trucks.csv"
    lines = [",".join(csv_import.COLUMNS)]
    for ref, box, kg in rows:
        lines.append(
            ",".join(
                [
                    ref,
                    "huu-nghi",
                    "export",
                    "12C-123.45",
                    "",
                    "Nguyễn Văn An",
                    "",
                    box,
                    arrival(),
                    "081060",
                    "durian",
                    kg,
                    "100",
                    "USD",
                    "yes",
                    "",
                    "",
                ]
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_refuses_the_whole_file_on_one_bad_row(tmp_path, env):
    _prepare(env)
    path = _csv(
        tmp_path,
        [("T1", container(1), "9000"), ("T2", "CSQU3054384", "9000"), ("T3", container(3), "0")],
    )
    result = run("declarations", "import", str(path), "--as", "forwarder1", env=env)
    assert result.returncode == 1
    assert "line 3: containers: check digit should be 3, not 4" in result.stdout
    assert "line 4: gross_kg" in result.stdout
    assert result.stderr.strip().startswith("error: 2 faults on 2 lines; stored 0")
    assert "Traceback" not in result.stderr + result.stdout
    assert _stored(env) == 0


def _stored(env):
    engine = create_engine(env["SMARTGATE_DATABASE_URL"])
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM declarations")).scalar_one()
    engine.dispose()
    return count


def test_partial_import_keeps_the_good_trucks(tmp_path, env):
    _prepare(env)
    path = _csv(
        tmp_path, [("T1", container(1), "9000"), ("T1", "", "1000"), ("T2", "CSQU3054384", "9000")]
    )
    result = run("declarations", "import", str(path), "--as", "forwarder1", "--partial", env=env)
    assert result.returncode == 0, result.stderr
    assert "declared 1 trucks" in result.stdout
    assert "skipped line 4" in result.stdout
    assert _stored(env) == 1


def test_unknown_user_is_one_line(tmp_path, env):
    _prepare(env)
    path = _csv(tmp_path, [("T1", container(1), "9000")])
    result = run("declarations", "import", str(path), "--as", "nobody", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == "error: user 'nobody' does not exist"


def test_users_create_and_weak_passwords(env):
    real = env | {"SMARTGATE_DEMO": "0", "SMARTGATE_SECRET_KEY": "x" * 40}
    _prepare(env)

    def create_op2(password: str) -> subprocess.CompletedProcess[str]:
        command = (
            "users",
            "create",
            "op2",
            "--role",
            "operator",
            "--name",
            "Op",
            "--gate",
            "chi-ma",
        )
        return run(*command, env=real | {"SMARTGATE_NEW_PASSWORD": password})

    weak = create_op2("short")
    assert weak.returncode == 1 and "password: must have at least 10 characters" in weak.stderr
    made = create_op2("a-long-passphrase")
    assert made.returncode == 0, made.stderr
    again = create_op2("a-long-passphrase")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_missing_secret_outside_demo_is_a_configuration_error(env):
    result = run("db", "upgrade", env=env | {"SMARTGATE_DEMO": "0"})
    assert result.returncode == 2
    # One line that says what to set, how to make a value, and how to try the demo instead.
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "configuration error: SMARTGATE_SECRET_KEY must be set (at least 32 characters) "
        "outside demo mode: make one with python -c 'import secrets; "
    )
    assert "SMARTGATE_DEMO=1" in line and "smartgate serve --demo" in line


def test_registry_load_reports_bad_documents(tmp_path, env):
    _prepare(env)
    bad = tmp_path / "gates.toml"
    bad.write_text('[[gate]]\nid = "Bad Slug"\n', encoding="utf-8")
    result = run("registry", "load", str(bad), env=env)
    assert result.returncode == 1
    assert "gate.0.id" in result.stderr and "Traceback" not in result.stderr


def _prepare(env):
    gates = Path(__file__).parents[2] / "src/smartgate/registry/data/gates.toml"
    assert run("db", "upgrade", env=env).returncode == 0
    assert run("registry", "load", str(gates), env=env).returncode == 0
    assert (
        run(
            "users",
            "create",
            "forwarder1",
            "--role",
            "forwarder",
            "--name",
            "F",
            "--company",
            "ACME",
            env=env | {"SMARTGATE_NEW_PASSWORD": "demo"},
        ).returncode
        == 0
    )
