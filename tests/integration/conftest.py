"""Integration fixtures: `make run`'s server in a child process, with its embedded HTTP emulator."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devserver.process import local_server


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with local_server(tmp_path_factory.mktemp("shared-data")) as url:
        yield url


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A server over an empty table (for tests that assert exact customer numbers)."""
    with local_server(tmp_path / "data") as url:
        yield url


@pytest.fixture
def api(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield client
