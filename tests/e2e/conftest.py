"""One demo server for the HTTP tests."""

from collections.abc import Iterator

import pytest

from servers import Server, start_demo_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `smartgate serve --demo` on a free port."""
    running = start_demo_server(tmp_path_factory.mktemp("server"))
    yield running
    running.stop()
