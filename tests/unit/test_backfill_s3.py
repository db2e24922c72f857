"""The backfill's AWS path in-process: the export, the work files and the report in S3 (moto), the
steps called as the state machine calls them, the customers in the table."""

import json
from pathlib import Path

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import MergeConflict
from customer_identity.use_cases.backfill.steps import Backfill
from devserver.legacy_export import generate
from tests.unit.conftest import Domain

BUCKET = "exports-unit"


@pytest.fixture
def export_in_s3(domain: Domain, tmp_path: Path) -> dict:
    truth = generate(tmp_path, persons=30, seed=4)
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    for path in tmp_path.glob("*.jsonl"):
        s3.put_object(Bucket=BUCKET, Key=f"acme/2026-11/{path.name}", Body=path.read_bytes())
    return truth


def test_a_run_over_an_s3_prefix_writes_its_report_beside_the_input(export_in_s3: dict, domain: Domain) -> None:
    backfill = Backfill(runtime.config(), writers=1)  # moto in-process is not thread-safe
    planned = backfill.plan({"source": f"s3://{BUCKET}/acme/2026-11", "chunk_size": 10})
    assert len(planned["chunks"]) == 3 and planned["rows_total"] == export_in_s3["counts"]["rows_total"]
    for chunk in json.loads(json.dumps(planned["chunks"])):  # what the Map state passes on
        backfill.write(chunk)
    summary = backfill.report({"plan": planned})
    assert summary["report_file"] == f"s3://{BUCKET}/acme/2026-11/backfill-report.json"
    s3 = boto3.client("s3", region_name="us-east-1")
    rows = s3.get_object(Bucket=BUCKET, Key="acme/2026-11/backfill-rows.jsonl")["Body"].read().decode().splitlines()
    assert len(rows) == export_in_s3["counts"]["rows_total"]
    assert summary["customers_created"] == len(export_in_s3["persons"])
    for person in export_in_s3["persons"]:
        customer = domain.resolver.resolve(person["phone"]).item
        assert int(customer.customer_number) == person["expected_number"]
        assert domain.resolver.resolve(person["legacy_ids"][0]["id"]).item.customer_id == customer.customer_id
    joined = [person for person in export_in_s3["persons"] if len(person["legacy_ids"]) >= 2]
    assert joined, "the sample export has persons made of several rows"
    merges = runtime.merges()
    for person in joined:
        [merge] = merges.touching(person["phone"], limit=10, cursor=None).items
        assert (merge.kind, merge.state, merge.merged) == ("backfill", "completed", None)
        assert merge.legacy_ids == sorted(row["id"] for row in person["legacy_ids"])
        with pytest.raises(MergeConflict) as refused:
            merges.undo(merge.merge_id, by="stf_unit_admin")
        assert refused.value.code == "merge_not_undoable"
    single = next(person for person in export_in_s3["persons"] if len(person["legacy_ids"]) == 1)
    assert merges.touching(single["phone"], limit=10, cursor=None).items == []


def _file_rows(folder: Path) -> dict[tuple[str, int], dict]:
    """Every line of the export by (collection, line), as the API must give it back (secrets removed)."""
    found = {}
    for path in folder.glob("*.jsonl"):
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            try:
                row = json.loads(text)
            except ValueError:
                continue  # a broken line: held for review, never a customer's
            if isinstance(row, dict) and "password_hash" in row:
                row["password_hash"] = "[removed]"
            found[(path.stem, number)] = row
    return found


def _all_records(ref: str, limit: int = 2) -> list:
    records, cursor = [], None
    while True:
        page = runtime.legacy_records_reader().page(ref, limit=limit, cursor=cursor)
        records += page.items
        cursor = page.next_cursor
        if cursor is None:
            return records


def test_every_row_of_a_person_is_kept_verbatim_and_a_survivor_shows_its_merged_customers_rows(
    export_in_s3: dict, domain: Domain, tmp_path: Path
) -> None:
    backfill = Backfill(runtime.config(), writers=1)
    planned = backfill.plan({"source": f"s3://{BUCKET}/acme/2026-11", "chunk_size": 10})
    for chunk in json.loads(json.dumps(planned["chunks"])):
        backfill.write(chunk)
    in_file = _file_rows(tmp_path)
    persons = export_in_s3["persons"]
    for person in persons:
        records = _all_records(person["phone"])  # two a page: the cursor is exercised
        expected = {(row["collection"], row["id"]) for row in person["legacy_ids"]}
        expected |= {("bookings", booking_id) for booking_id in person["booking_ids"]}
        assert {(record.collection, record.legacy_id) for record in records} == expected, person["phone"]
        for record in records:
            assert record.row == in_file[(record.collection, record.line)]  # verbatim, every field
            assert "[removed]" not in json.dumps(record.row) or record.collection == "auth_users"
    with_login = next(p for p in persons if p["login"])
    assert any(
        record.row.get("password_hash") == "[removed]"
        for record in _all_records(with_login["phone"])
        if isinstance(record.row, dict)
    )
    # A merge leaves each row under its customer; the survivor lists both, the undo gives them back.
    first, second = persons[0], persons[1]
    merge = runtime.merges().merge(first["phone"], second["phone"], by="stf_unit_admin")
    survivor_rows = _all_records(second["phone"])
    first_rows = {(r.collection, r.legacy_id) for r in _all_records(first["phone"], limit=100)}  # forwards
    assert first_rows == {(r.collection, r.legacy_id) for r in survivor_rows}
    first_id = domain.resolver.resolve(first["phone"], follow_merges=False).item.customer_id
    second_id = domain.resolver.resolve(second["phone"]).item.customer_id
    assert {r.customer_id for r in survivor_rows} == {first_id, second_id}
    runtime.merges().undo(merge.merge_id, by="stf_unit_admin")
    assert all(r.customer_id != first_id for r in _all_records(second["phone"]))
    assert {r.customer_id for r in _all_records(first["phone"])} == {first_id}
