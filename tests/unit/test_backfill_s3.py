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
