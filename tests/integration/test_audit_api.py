"""The linkage audit over HTTP: the background alias check runs as asynchronous invocations of its
worker function (the local server answers Lambda's Invoke API, as AWS would)."""

import json
import time
from pathlib import Path

import boto3
import httpx
import pytest

pytestmark = pytest.mark.integration


def _finished_check(api: httpx.Client, started_run: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        aliases = api.get("/admin/audit").json()["aliases"]
        if aliases["run_id"] == started_run and aliases["state"] == "completed":
            return aliases
        time.sleep(0.3)
    raise AssertionError(f"the alias check {started_run} did not finish in {timeout}s")


def _start(api: httpx.Client) -> str:
    for _ in range(200):  # another test's check may still be running
        started = api.post("/admin/audit/alias-checks")
        if started.status_code == 202:
            assert started.json()["alias_check"]["state"] in {"running", "completed"}
            return started.json()["alias_check"]["run_id"]
        assert started.status_code == 409 and started.json()["error"]["code"] == "alias_check_running"
        time.sleep(0.3)
    raise AssertionError("could not start an alias check")


def test_the_alias_check_finds_no_identifier_pointing_nowhere(api: httpx.Client) -> None:
    phone = "9555500001"
    assert api.post("/customers", json={"phone": phone, "email": "audit-one@example.com"}).status_code == 201
    aliases = _finished_check(api, _start(api))
    assert aliases["markers_checked"] >= 3
    assert (aliases["dangling"], aliases["mismatched"], aliases["examples"]) == (0, 0, [])


def test_the_alias_check_reports_an_identifier_whose_customer_is_gone(api: httpx.Client, data_dir: Path) -> None:
    endpoint = json.loads((data_dir / "server.json").read_text())["endpoint"]
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    key = {"pk": {"S": "LEGACY#audit-orphan"}, "sk": {"S": "ALIAS"}}
    item = key | {
        "entity": {"S": "alias"},
        "kind": {"S": "legacy_id"},
        "customer_id": {"S": "cus_nobody"},
        "phone": {"S": "+910000000000"},
        "created_at": {"S": "2026-01-01T00:00:00Z"},
    }
    dynamodb.put_item(TableName="customer-identity", Item=item)  # a hand edit the API can never make
    try:
        aliases = _finished_check(api, _start(api))
        assert aliases["dangling"] == 1
        assert aliases["examples"] == [
            {"marker": "LEGACY#audit-orphan", "names": "cus_nobody", "problem": "customer_missing"}
        ]
    finally:
        dynamodb.delete_item(TableName="customer-identity", Key=key)


def test_the_audit_is_for_admins_only(base_url: str, data_dir: Path) -> None:
    from devserver.process import mint_token

    token = mint_token(data_dir, "delivery_person")
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.get("/admin/audit").status_code == 403
        assert client.post("/admin/audit/alias-checks").status_code == 403
