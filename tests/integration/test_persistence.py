"""`make run` keeps its data across restarts (DynamoDB Local stores its tables under LOCAL_DATA_DIR)."""

from pathlib import Path

import pytest

from devserver.process import local_server, mint_token
from tests.integration.conftest import authorized

pytestmark = pytest.mark.integration


def test_customers_accounts_and_the_signing_key_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with local_server(data) as url:
        token = mint_token(data, "admin")
        with authorized(token, url) as admin:
            created = admin.post("/customers", json={"phone": "9717619183", "name": "Asha"}).json()["customer"]
            me = admin.get("/me").json()
    assert (data / "dynamodb" / "shared-local-instance.db").exists() and (
        data / "jwt-signing-key"
    ).stat().st_mode & 0o077 == 0
    with local_server(data) as url, authorized(token, url) as admin:  # the same token still works
        assert admin.get("/customers/PL1").json()["customer"] == created
        assert admin.get("/me").json() == me
        assert admin.post("/customers", json={"phone": "9717619184"}).json()["customer"]["customer_number"] == "PL2"
    with local_server(tmp_path / "other") as url:  # another data folder: empty, with its own key
        with authorized(token, url) as stranger:
            assert stranger.get("/customers/PL1").status_code == 401
        with authorized(mint_token(tmp_path / "other", "admin"), url) as admin:
            assert admin.get("/customers/PL1").status_code == 404
