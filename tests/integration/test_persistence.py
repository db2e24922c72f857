"""`make run` keeps its data across restarts (the emulator's tables are saved under LOCAL_DATA_DIR)."""

from pathlib import Path

import httpx
import pytest

from devserver.process import local_server

pytestmark = pytest.mark.integration


def test_customers_survive_a_restart_and_numbering_continues(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with local_server(data) as url:
        created = httpx.post(f"{url}/customers", json={"phone": "9717619183", "name": "Asha"}).json()["customer"]
    assert (data / "dynamodb.json").exists()
    with local_server(data) as url:
        found = httpx.get(f"{url}/customers/PL1").json()["customer"]
        assert found == created
        assert (
            httpx.post(f"{url}/customers", json={"phone": "9717619184"}).json()["customer"]["customer_number"] == "PL2"
        )
    with local_server(tmp_path / "other") as url:  # another data folder starts empty
        assert httpx.get(f"{url}/customers/PL1").status_code == 404
