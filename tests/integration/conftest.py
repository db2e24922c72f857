"""Integration fixtures: `make run`'s server in a child process, with its own DynamoDB Local.

Tokens come from the same command as `make token`, run against the server's data folder.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devserver.process import local_server, mint_token

UNLIMITED = httpx.Limits(max_connections=None, max_keepalive_connections=20)


def authorized(token: str, base_url: str = "") -> httpx.Client:
    """A client sending ``token``; any number of threads may share it, each on its own connection."""
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120, limits=UNLIMITED)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-data")


@pytest.fixture(scope="session")
def base_url(data_dir: Path) -> Iterator[str]:
    with local_server(data_dir) as url:
        yield url


@pytest.fixture(scope="session")
def admin_token(base_url: str, data_dir: Path) -> str:
    return mint_token(data_dir, "admin")


@pytest.fixture
def admin(admin_token: str) -> Iterator[httpx.Client]:
    """An admin's client (no base URL: tests pass whole URLs)."""
    with authorized(admin_token) as client:
        yield client


@pytest.fixture
def api(base_url: str, admin_token: str) -> Iterator[httpx.Client]:
    """An admin's client on the shared server."""
    with authorized(admin_token, base_url) as client:
        yield client


@pytest.fixture
def anonymous(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=120, limits=UNLIMITED) as client:
        yield client


@pytest.fixture
def fresh_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def fresh_url(fresh_data_dir: Path) -> Iterator[str]:
    """A server over an empty table (for tests that assert exact customer numbers)."""
    with local_server(fresh_data_dir) as url:
        yield url


@pytest.fixture
def fresh_admin(fresh_url: str, fresh_data_dir: Path) -> Iterator[httpx.Client]:
    with authorized(mint_token(fresh_data_dir, "admin")) as client:
        yield client
