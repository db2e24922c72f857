"""Backfill runs from the console's routes, over HTTP against the local server: upload a generated
legacy export through the signed links, start it (the local state machine runner), follow it to its
report, download the rows file; the counts equal `make backfill`'s for the same export."""

import io
import json
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from devserver.process import mint_token
from tests.integration.conftest import authorized
from tests.integration.test_backfill import backfill, generate, report

pytestmark = pytest.mark.integration
PERSONS = 60
EXPORT_FILES = ("auth_users", "customers_v2", "otp_users", "booking_users", "customers", "bookings")


def upload(client: httpx.Client, base: str, links: list[dict[str, str]], files: dict[str, bytes]) -> None:
    for link in links:
        if link["file"] in files:
            answer = httpx.put(
                base + link["url"] if link["url"].startswith("/") else link["url"], content=files[link["file"]]
            )
            assert answer.status_code == 200, answer.text


def follow(client: httpx.Client, base: str, run_id: str, deadline: float = 300) -> dict[str, Any]:
    ends = time.monotonic() + deadline
    while time.monotonic() < ends:
        run = client.get(f"{base}/admin/backfill-runs/{run_id}").json()["run"]
        if run["status"] in {"succeeded", "failed"}:
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {deadline} s")


def test_a_run_from_upload_to_report_counts_as_make_backfill_does(
    fresh_admin: httpx.Client, fresh_url: str, fresh_data_dir: Path, tmp_path: Path
) -> None:
    export = tmp_path / "export"
    generate(export, persons=PERSONS, seed=19)
    files = {f"{name}.jsonl": (export / f"{name}.jsonl").read_bytes() for name in EXPORT_FILES}
    reference = tmp_path / "reference"
    reference.mkdir()
    for name, content in files.items():
        (reference / name).write_bytes(content)
    done = backfill(reference, fresh_data_dir, "--dry-run")  # what `make backfill` counts (writes nothing)
    assert done.returncode == 0, done.stdout + done.stderr
    expected = report(reference)

    created = fresh_admin.post(f"{fresh_url}/admin/backfill-runs", json={"dry_run": False})
    assert created.status_code == 201, created.text
    run_id = created.json()["run"]["run_id"]
    assert created.json()["run"]["status"] == "created"
    assert sorted(link["file"] for link in created.json()["uploads"]) == sorted(files)
    upload(fresh_admin, fresh_url, created.json()["uploads"], files)

    started = fresh_admin.post(f"{fresh_url}/admin/backfill-runs/{run_id}/start")
    assert started.status_code == 202, started.text
    assert started.json()["run"]["status"] in {"running", "succeeded"}
    again = fresh_admin.post(f"{fresh_url}/admin/backfill-runs/{run_id}/start")
    assert again.status_code == 409 and again.json()["error"]["code"] == "backfill_run_started"

    run = follow(fresh_admin, fresh_url, run_id)
    assert run["status"] == "succeeded", run
    summary = run["summary"]
    for name in ("rows_total", "rows_reported", "customers_created", "first_number", "outcomes", "by_collection"):
        assert summary[name] == expected[name], name
    assert summary["rows_reported"] == summary["rows_total"] > 0
    assert run["progress"]["chunks_done"] == run["progress"]["chunks_total"] >= 1
    rows = httpx.get(fresh_url + run["rows_file_url"])
    assert rows.status_code == 200
    assert len(rows.text.splitlines()) == summary["rows_total"]
    stats = fresh_admin.get(f"{fresh_url}/admin/stats").json()
    assert stats["customers"]["total"] == summary["customers_created"]
    listed = fresh_admin.get(f"{fresh_url}/admin/backfill-runs").json()["items"]
    assert listed[0]["run_id"] == run_id and listed[0]["status"] == "succeeded"


def test_a_zip_is_unpacked_and_bad_uploads_are_refused_naming_the_file(admin: httpx.Client, base_url: str) -> None:
    def new_run(kind: str) -> dict[str, Any]:
        answer = admin.post(f"{base_url}/admin/backfill-runs", json={"dry_run": True, "upload": kind})
        assert answer.status_code == 201, answer.text
        return answer.json()

    nothing = new_run("jsonl")
    refused = admin.post(f"{base_url}/admin/backfill-runs/{nothing['run']['run_id']}/start")
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "files"

    not_jsonl = new_run("jsonl")
    upload(admin, base_url, not_jsonl["uploads"], {"customers.jsonl": b"id,phone\n1,9811122233\n"})
    refused = admin.post(f"{base_url}/admin/backfill-runs/{not_jsonl['run']['run_id']}/start")
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"] | {"message": ""} == {
        "code": "invalid_export_file",
        "field": "customers.jsonl",
        "message": "",
    }
    # Nothing was started: the run can still be started once its files are right.
    assert (
        admin.get(f"{base_url}/admin/backfill-runs/{not_jsonl['run']['run_id']}").json()["run"]["status"] == "created"
    )

    unsafe = new_run("zip")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("../customers.jsonl", '{"_id": "1"}\n')
    upload(admin, base_url, unsafe["uploads"], {"export.zip": packed.getvalue()})
    refused = admin.post(f"{base_url}/admin/backfill-runs/{unsafe['run']['run_id']}/start")
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "export.zip", refused.text

    zipped = new_run("zip")
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "export/customers.jsonl", json.dumps({"_id": "z1", "phone": "9811100001", "name": "Zip"}) + "\n"
        )
    upload(admin, base_url, zipped["uploads"], {"export.zip": packed.getvalue()})
    started = admin.post(f"{base_url}/admin/backfill-runs/{zipped['run']['run_id']}/start")
    assert started.status_code == 202, started.text
    run = follow(admin, base_url, zipped["run"]["run_id"])
    assert run["status"] == "succeeded", run
    assert run["dry_run"] and run["summary"]["rows_total"] == 1


def test_links_are_signed_and_runs_are_for_admins(admin: httpx.Client, base_url: str, data_dir: Path) -> None:
    made = admin.post(f"{base_url}/admin/backfill-runs", json={"dry_run": True}).json()
    link = made["uploads"][0]["url"]
    forged = httpx.put(base_url + link.replace("sig=", "sig=0"), content=b"{}\n")
    assert forged.status_code == 403
    assert admin.get(f"{base_url}/admin/backfill-runs/20000101T000000Z-000000000000").status_code == 404
    with authorized(mint_token(data_dir, "delivery_person")) as staff:
        assert staff.post(f"{base_url}/admin/backfill-runs", json={}).status_code == 403
        assert staff.get(f"{base_url}/admin/backfill-runs").status_code == 403
        assert staff.post(f"{base_url}/admin/backfill-runs/{made['run']['run_id']}/start").status_code == 403
