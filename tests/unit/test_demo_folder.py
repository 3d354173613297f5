"""Which databases the other commands treat as `serve --demo`'s: marked ones, unless told."""

import pytest

from smartgate.cli import demo_folder


@pytest.fixture
def marked(tmp_path, monkeypatch):
    """A folder where `serve --demo` ran on the default database."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "smartgate.db").write_bytes(b"")
    demo_folder.mark("sqlite:///smartgate.db")
    return tmp_path


def test_a_marked_database_is_served_in_demo_mode(marked):
    environ: dict[str, str] = {}
    assert demo_folder.adopt(environ) and environ == {"SMARTGATE_DEMO": "1"}
    assert (marked / "smartgate.db.demo").is_file()


@pytest.mark.parametrize(
    "given",
    [
        {"SMARTGATE_DEMO": "0"},
        {"smartgate_secret_key": "s" * 40},  # names are read as Settings reads them
        {"SMARTGATE_DATABASE_URL": "sqlite:///other.db"},
        {"SMARTGATE_DATABASE_URL": "postgresql+psycopg://db/smartgate"},
    ],
)
def test_a_choice_of_the_environment_or_another_database_wins(marked, given):
    environ = dict(given)
    assert not demo_folder.adopt(environ) and environ == given


def test_serving_for_real_removes_the_mark(marked):
    demo_folder.unmark("sqlite:///smartgate.db")
    assert not demo_folder.adopt({})
    assert not (marked / "smartgate.db.demo").exists()


def test_a_mark_without_its_database_is_ignored(marked):
    (marked / "smartgate.db").unlink()
    assert not demo_folder.adopt({})
