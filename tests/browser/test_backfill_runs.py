"""The console's backfill runs in headless Chromium: a backfill run from upload to report."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import check_page, record_time, run_tool, sign_in

pytestmark = pytest.mark.integration
EXPORT_FILES = ("auth_users", "customers_v2", "otp_users", "booking_users", "customers", "bookings")
FILES_LABEL = "Export files (the six .jsonl files, or one .zip of them)"


def test_a_backfill_run_from_upload_to_report(
    page: Page, data_dir: Path, seeded: dict[str, Any], tmp_path: Path
) -> None:
    export = tmp_path / "export"
    done = run_tool(data_dir, "devserver.legacy_export", str(export), "--persons", "30", "--seed", "19")
    assert done.returncode == 0, done.stderr
    upload = tmp_path / "upload"
    upload.mkdir()
    for name in EXPORT_FILES:
        shutil.copy(export / f"{name}.jsonl", upload / f"{name}.jsonl")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "customers.jsonl").write_text("id,phone\n1,9811122233\n")

    sign_in(page)
    page.get_by_role("link", name="Backfill").click()
    expect(page.get_by_role("heading", name="Backfill", exact=True)).to_be_visible()
    check_page(page, "backfill")
    # A file the backfill cannot read is refused in words naming it, before anything runs.
    page.get_by_label(FILES_LABEL).set_input_files([str(bad / "customers.jsonl")])
    page.get_by_role("button", name="Upload and start").click()
    expect(page.get_by_role("alert")).to_contain_text("customers.jsonl is not JSON Lines")
    page.get_by_label(FILES_LABEL).set_input_files([str(bad / "customers.jsonl"), str(upload / "bookings.jsonl")])
    page.get_by_label(FILES_LABEL).set_input_files([str(tmp_path / "export" / "truth.json")])
    page.get_by_role("button", name="Upload and start").click()
    expect(page.get_by_role("alert")).to_contain_text("“truth.json” is not one of the export files")

    page.get_by_label(FILES_LABEL).set_input_files([str(upload / f"{name}.jsonl") for name in EXPORT_FILES])
    page.get_by_label("Dry run: write nothing, only the report").check()
    started = time.perf_counter()
    page.get_by_role("button", name="Upload and start").click()
    expect(page.get_by_role("heading", name="Report")).to_be_visible(timeout=300_000)
    record_time("backfill run (30 persons, dry run): upload to report", time.perf_counter() - started)

    # The same counts as `make backfill` over the same export (a dry run: the shared data stays as it is).
    done = run_tool(data_dir, "devserver.backfill", "run", str(export), "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    expected = json.loads((export / "backfill-report.json").read_text())
    read = f"{expected['rows_total']} rows read, every one reported"
    created = f"{expected['customers_created']} customers would be created"
    expect(page.get_by_role("status").filter(has_text="rows read")).to_contain_text(f"{read}; {created}")
    every = page.get_by_role("row").filter(has_text="All files")
    expect(every.get_by_role("cell")).to_have_text(["All files", *(str(n) for n in expected["outcomes"].values())])
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the rows file").click()
    rows = Path(downloading.value.path()).read_text().splitlines()
    assert len(rows) == expected["rows_total"] and json.loads(rows[0])["collection"] == "auth_users"
    check_page(page, "backfill-report")
    page.get_by_role("link", name="All runs").click()
    expect(page.get_by_role("row").nth(1)).to_contain_text("Dry run")
    expect(page.get_by_role("row").nth(1)).to_contain_text("Finished")
