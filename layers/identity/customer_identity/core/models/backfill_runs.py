"""Backfill runs started from the console: upload an export, start it, follow it, read its report."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input
from customer_identity.core.wire import Timestamp

BackfillRunStatus = Literal["created", "running", "succeeded", "failed"]
UploadKind = Literal["jsonl", "zip"]


class NewBackfillRun(Input):
    dry_run: bool = Field(default=False, description="Write nothing to the table, only the report")
    upload: UploadKind = Field(
        default="jsonl",
        description="`jsonl`: one link per export file (upload any of the six); `zip`: one link for a zip of them",
    )


class UploadLink(Answer):
    file: str = Field(description="The file name this link stores (`customers.jsonl`, `export.zip`, …)")
    url: str = Field(description="HTTP `PUT` the file's bytes here (no token needed; presigned, short-lived)")


class BackfillProgress(Answer):
    chunks_done: int = Field(description="Write tasks finished")
    chunks_total: int = Field(description="Write tasks planned (0 until the plan step has run)")


class BackfillSummary(Answer):
    """The report's counts (`backfill-report.json` holds the rest: conflicts, unmapped fields, timings)."""

    rows_total: int = Field(description="Lines read")
    rows_reported: int = Field(description="Lines in the rows file (equals `rows_total`: every line is accounted for)")
    customers_created: int
    first_number: int | None = Field(description="The first new customer's number, if any was created")
    outcomes: dict[str, int] = Field(description="Rows per outcome (`created`, `merged`, `linked`, `review`, …)")
    by_collection: dict[str, dict[str, int]] = Field(description="Rows per outcome of each export file")
    conflicts: int = Field(description="Differing values the oldest record won over")


class BackfillRun(Answer):
    run_id: str
    dry_run: bool
    upload: UploadKind
    status: BackfillRunStatus
    created_at: Timestamp
    created_by: str = Field(description="Account id of the admin who created it")
    started_at: Timestamp | None
    finished_at: Timestamp | None
    progress: BackfillProgress | None = Field(description="While running (and after): write tasks done / planned")
    summary: BackfillSummary | None = Field(description="Once succeeded")
    error: str | None = Field(description="Once failed: why")
    rows_file_url: str | None = Field(
        description="Once succeeded: the rows file (`backfill-rows.jsonl`, one line per input line) to download; "
        "presigned, short-lived (read the run again for a fresh one)"
    )


class NewBackfillRunAnswer(Answer):
    run: BackfillRun
    uploads: list[UploadLink] = Field(description="Where each file goes; then `POST …/{run_id}/start`")
    expires_in: int = Field(description="Seconds the upload links stay valid")


class BackfillRunEnvelope(Answer):
    run: BackfillRun


class BackfillRunList(Answer):
    items: list[BackfillRun] = Field(description="The most recent runs, newest first")
