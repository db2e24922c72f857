"""Backfill runs from the console (use_cases/admin/backfill_runs.py) on moto: S3 uploads under
runs/<run_id>/, the state machine started once, the run followed to its report."""

from __future__ import annotations

import io
import json
import os
import zipfile
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import BackfillRunNotFound, BackfillRunStarted, InvalidExportFile
from customer_identity.core.models.backfill_runs import NewBackfillRun
from customer_identity.storage import backfill_runs as store
from customer_identity.storage import keys
from customer_identity.storage.entities import ConsoleBackfillRunItem
from customer_identity.use_cases.admin.backfill_run_files import S3RunFiles
from customer_identity.use_cases.admin.backfill_runs import BackfillRuns

ROW = json.dumps({"_id": "C-1", "phone": "9811122233", "name": "Ravi"}) + "\n"


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=os.environ["BACKFILL_BUCKET"])
    return client


@pytest.fixture
def states(aws: None) -> Any:
    client = boto3.client("stepfunctions", region_name="us-east-1")
    machine = os.environ["BACKFILL_STATE_MACHINE_ARN"]
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    client.create_state_machine(
        name=machine.rpartition(":")[2], definition=definition, roleArn="arn:aws:iam::123456789012:role/backfill"
    )
    return client


def put(s3: Any, run_id: str, name: str, body: bytes) -> None:
    s3.put_object(Bucket=os.environ["BACKFILL_BUCKET"], Key=f"runs/{run_id}/{name}", Body=body)


def zipped(members: dict[str, str]) -> bytes:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return packed.getvalue()


def test_a_new_run_has_one_upload_link_per_export_file_or_one_for_a_zip(s3: Any) -> None:
    runs = runtime.backfill_runs()
    made = runs.create(NewBackfillRun(dry_run=True), by="acc_admin")
    assert made.run.status == "created" and made.run.dry_run
    assert [link.file for link in made.uploads] == [
        "auth_users.jsonl",
        "customers_v2.jsonl",
        "otp_users.jsonl",
        "booking_users.jsonl",
        "customers.jsonl",
        "bookings.jsonl",
    ]
    bucket_origin = f"https://{os.environ['BACKFILL_BUCKET']}.s3.us-east-1.amazonaws.com/runs/{made.run.run_id}/"
    assert all(link.url.startswith(bucket_origin) and "X-Amz-Signature" in link.url for link in made.uploads)
    zip_run = runs.create(NewBackfillRun(upload="zip"), by="acc_admin")
    assert [link.file for link in zip_run.uploads] == ["export.zip"]
    assert [run.run_id for run in runs.recent()] == [zip_run.run.run_id, made.run.run_id]  # newest first


def test_a_run_starts_the_state_machine_on_its_prefix_once(s3: Any, states: Any) -> None:
    runs = runtime.backfill_runs()
    run_id = runs.create(NewBackfillRun(), by="acc_admin").run.run_id
    put(s3, run_id, "customers.jsonl", ROW.encode())
    started = runs.start(run_id)
    assert started.status == "running" and started.started_at
    [execution] = states.list_executions(stateMachineArn=os.environ["BACKFILL_STATE_MACHINE_ARN"])["executions"]
    described = states.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {
        "source": f"s3://{os.environ['BACKFILL_BUCKET']}/runs/{run_id}",
        "dry_run": False,
        "run_id": run_id,
    }
    with pytest.raises(BackfillRunStarted):
        runs.start(run_id)
    states.stop_execution(executionArn=execution["executionArn"])
    failed = runs.get(run_id)
    assert failed.status == "failed" and failed.finished_at and "ABORTED" in (failed.error or "")
    with pytest.raises(BackfillRunNotFound):
        runs.get("20000101T000000Z-000000000000")


@pytest.mark.parametrize(
    ("files", "field", "words"),
    [
        ({}, "files", "no export file was uploaded"),
        ({"customers.jsonl": b"id,phone\n1,98\n"}, "customers.jsonl", "not JSON"),
        ({"bookings.jsonl": b"[1, 2]\n"}, "bookings.jsonl", "not a JSON object"),
        ({"otp_users.jsonl": b"\xff\xfe{}\n"}, "otp_users.jsonl", "not UTF-8"),
    ],
)
def test_an_upload_the_backfill_cannot_read_is_refused_naming_the_file(
    s3: Any, states: Any, files: dict[str, bytes], field: str, words: str
) -> None:
    runs = runtime.backfill_runs()
    run_id = runs.create(NewBackfillRun(), by="acc_admin").run.run_id
    for name, body in files.items():
        put(s3, run_id, name, body)
    with pytest.raises(InvalidExportFile) as refused:
        runs.start(run_id)
    assert refused.value.field == field and words in refused.value.message
    assert runs.get(run_id).status == "created"  # nothing started: fix the files and start it


@pytest.mark.parametrize(
    ("archive", "words"),
    [
        (b"not a zip", "is not a zip file"),
        (zipped({"../customers.jsonl": ROW}), "at most one folder deep"),
        (zipped({"/etc/customers.jsonl": ROW}), "at most one folder deep"),
        (zipped({"a/b/customers.jsonl": ROW}), "at most one folder deep"),
        (zipped({"notes.txt": "hello"}), "not one of"),
        (zipped({"customers.jsonl": ROW, "export/customers.jsonl": ROW}), "twice"),
        (zipped({"customers.jsonl": " " * (2 * 1024 * 1024) + ROW}), "more than this service reads"),
        (zipped({"__MACOSX/._customers.jsonl": "x"}), "holds none of"),
    ],
)
def test_a_zip_is_unpacked_only_when_it_is_safe(s3: Any, states: Any, archive: bytes, words: str) -> None:
    runs = runtime.backfill_runs()
    run_id = runs.create(NewBackfillRun(upload="zip"), by="acc_admin").run.run_id
    put(s3, run_id, "export.zip", archive)
    with pytest.raises(InvalidExportFile) as refused:
        runs.start(run_id)
    assert refused.value.field == "export.zip" and words in refused.value.message


def test_a_zip_of_the_export_folder_is_unpacked_beside_it(s3: Any, states: Any) -> None:
    runs = runtime.backfill_runs()
    run_id = runs.create(NewBackfillRun(upload="zip"), by="acc_admin").run.run_id
    put(s3, run_id, "export.zip", zipped({"export/customers.jsonl": ROW, "export/bookings.jsonl": ""}))
    assert runs.start(run_id).status == "running"
    body = s3.get_object(Bucket=os.environ["BACKFILL_BUCKET"], Key=f"runs/{run_id}/customers.jsonl")["Body"]
    assert body.read().decode() == ROW


class Finished:
    """An execution that already ended with the report's summary as its output."""

    def __init__(self, output: dict[str, Any]) -> None:
        self.output = output

    def start(self, name: str, payload: dict[str, Any]) -> str:
        return f"arn:aws:states:us-east-1:123456789012:execution:customer-identity-backfill-prod:{name}"

    def describe(self, execution: str) -> dict[str, Any]:
        return {"status": "SUCCEEDED", "output": json.dumps(self.output)}


def test_a_succeeded_run_shows_the_reports_counts_and_links_its_rows_file(s3: Any) -> None:
    summary = {
        "rows_total": 3,
        "rows_reported": 3,
        "customers_created": 1,
        "first_number": 7,
        "outcomes": {"created": 1, "merged": 1, "review": 1},
        "by_collection": {"customers": {"created": 1, "merged": 1, "review": 1}},
        "conflicts": 0,
        "timings": {"plan_seconds": 0.1},
    }
    runs = BackfillRuns(S3RunFiles(os.environ["BACKFILL_BUCKET"], "us-east-1"), Finished(summary), link_ttl_seconds=600)
    run_id = runs.create(NewBackfillRun(), by="acc_admin").run.run_id
    put(s3, run_id, "customers.jsonl", ROW.encode())
    runs.start(run_id)
    put(s3, run_id, f".backfill/{run_id}/chunk-00000.json", b"{}")
    put(s3, run_id, f".backfill/{run_id}/result-00000.json", b"{}")
    put(s3, run_id, "backfill-rows.jsonl", b"{}\n{}\n{}\n")
    run = runs.get(run_id)
    assert run.status == "succeeded" and run.summary is not None
    assert run.summary.model_dump() == {key: summary[key] for key in run.summary.model_dump()}
    assert (run.progress.chunks_done, run.progress.chunks_total) == (1, 1)  # type: ignore[union-attr]
    assert run.rows_file_url and f"runs/{run_id}/backfill-rows.jsonl" in run.rows_file_url
    assert runs.recent()[0].status == "succeeded"


def test_the_consoles_policy_lets_it_upload_to_the_bucket_origin_only_when_deployed() -> None:
    from customer_identity.static_site import CSP, security_headers

    assert security_headers(None)["Content-Security-Policy"] == CSP
    deployed = security_headers("https://exports-1.s3.us-east-1.amazonaws.com")["Content-Security-Policy"]
    assert "connect-src 'self' https://exports-1.s3.us-east-1.amazonaws.com;" in deployed
    with pytest.raises(ValueError, match="CONSOLE_UPLOAD_ORIGIN"):
        security_headers("https://x.example.com; script-src *")


def test_a_run_whose_execution_is_gone_is_failed_in_words_not_an_error(s3: Any, states: Any) -> None:
    """A local server restarted mid-run forgets its executions (AWS forgets them 90 days after they close)."""
    runs = runtime.backfill_runs()
    run_id = runs.create(NewBackfillRun(), by="acc_admin").run.run_id
    put(s3, run_id, "customers.jsonl", ROW.encode())
    runs.start(run_id)
    [execution] = states.list_executions(stateMachineArn=os.environ["BACKFILL_STATE_MACHINE_ARN"])["executions"]
    gone = execution["executionArn"].replace(run_id, "20000101T000000000Z-000000000000")
    ConsoleBackfillRunItem(*keys.console_backfill_run_key(run_id)).update(
        actions=[ConsoleBackfillRunItem.execution.set(gone)]
    )
    run = runs.get(run_id)
    assert run.status == "failed" and "no such execution" in (run.error or "")
    assert store.get(run_id).status == "failed"  # type: ignore[union-attr]
