"""Backfill runs from the console: create a run (upload links), start the backfill state machine on
its files, follow it to its report. A run starts once (conditional writes on its item)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any, Protocol

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import BackfillRunNotFound, BackfillRunStarted, ConfigurationError
from customer_identity.core.models.backfill_runs import (
    BackfillProgress,
    BackfillRun,
    BackfillSummary,
    NewBackfillRun,
    NewBackfillRunAnswer,
    UploadLink,
)
from customer_identity.storage import backfill_runs as store
from customer_identity.storage import keys
from customer_identity.storage.entities import ConsoleBackfillRunItem
from customer_identity.use_cases.admin.backfill_run_files import RunFiles
from customer_identity.use_cases.admin.backfill_uploads import check_export, unpack_zip, upload_names
from customer_identity.use_cases.backfill.report import ROWS

RECENT = 20
FINISHED = {"SUCCEEDED": "succeeded", "FAILED": "failed", "TIMED_OUT": "failed", "ABORTED": "failed"}


class Executions(Protocol):
    """The backfill state machine: Step Functions in AWS, the local server's runner under ``make run``."""

    def start(self, name: str, payload: dict[str, Any]) -> str: ...
    def describe(self, execution: str) -> dict[str, Any]: ...


class StepFunctionsExecutions:
    """``StartExecution`` (named after the run, so a retried start is the same execution) and
    ``DescribeExecution``; ``endpoint`` points at the local server's stand-in under ``make run``."""

    def __init__(self, state_machine_arn: str, region: str, endpoint: str | None) -> None:
        import boto3

        self.state_machine_arn = state_machine_arn
        self._client: Any = boto3.client("stepfunctions", region_name=region, endpoint_url=endpoint)

    def start(self, name: str, payload: dict[str, Any]) -> str:
        try:
            answer = self._client.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
            )
        except self._client.exceptions.ExecutionAlreadyExists:
            raise BackfillRunStarted(name, "started") from None
        return str(answer["executionArn"])

    def describe(self, execution: str) -> dict[str, Any]:
        """The execution's state; one Step Functions no longer knows (closed over 90 days ago, or
        lost with a restarted local server) is a failure saying so."""
        try:
            return dict(self._client.describe_execution(executionArn=execution))
        except self._client.exceptions.ExecutionDoesNotExist:
            return {
                "status": "FAILED",
                "error": "ExecutionDoesNotExist",
                "cause": "the state machine has no such execution",
            }


def new_run_id() -> str:
    """Sortable by creation time (the listing reads them backwards), unguessable."""
    now = datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z-{secrets.token_hex(6)}"


class BackfillRuns:
    def __init__(self, files: RunFiles | None, executions: Executions | None, *, link_ttl_seconds: int) -> None:
        self._files = files
        self.executions = executions
        self.link_ttl_seconds = link_ttl_seconds

    @property
    def files(self) -> RunFiles:
        if self._files is None:
            raise ConfigurationError("BACKFILL_BUCKET (or, locally, BACKFILL_DIR and BACKFILL_LINK_KEY) is not set")
        return self._files

    def create(self, request: NewBackfillRun, *, by: str) -> NewBackfillRunAnswer:
        run_id = new_run_id()
        item = ConsoleBackfillRunItem(
            *keys.console_backfill_run_key(run_id),
            run_id=run_id,
            dry_run=request.dry_run,
            upload=request.upload,
            status="created",
            created_at=utc_now(),
            created_by=by,
        )
        store.create(item)
        uploads = [
            UploadLink(file=name, url=self.files.upload_link(run_id, name, self.link_ttl_seconds))
            for name in upload_names(request.upload)
        ]
        return NewBackfillRunAnswer(run=self._view(item), uploads=uploads, expires_in=self.link_ttl_seconds)

    def start(self, run_id: str) -> BackfillRun:
        """Check (and unpack) the upload, start the state machine on it, record it: once."""
        item = self._item(run_id)
        if item.status != "created":
            raise BackfillRunStarted(run_id, item.status)
        if item.upload == "zip":
            unpack_zip(self.files, run_id)
        check_export(self.files, run_id)
        if self.executions is None:
            raise ConfigurationError("BACKFILL_STATE_MACHINE_ARN is not set")
        payload = {"source": self.files.location(run_id), "dry_run": item.dry_run, "run_id": run_id}
        execution = self.executions.start(run_id, payload)
        if not store.mark_started(run_id, execution=execution, at=utc_now()):
            raise BackfillRunStarted(run_id, self._item(run_id).status)
        return self._view(self._item(run_id), detail=True)

    def get(self, run_id: str) -> BackfillRun:
        item = self._item(run_id)
        if item.status == "running" and item.execution and self.executions is not None:
            described = self.executions.describe(item.execution)
            finished = FINISHED.get(str(described.get("status")))
            if finished is not None:
                error = None if finished == "succeeded" else _failure(described)
                summary = described.get("output") if finished == "succeeded" else None
                store.mark_finished(run_id, status=finished, at=utc_now(), summary=summary, error=error)
                item = self._item(run_id)
        return self._view(item, detail=True)

    def recent(self) -> list[BackfillRun]:
        return [self._view(item) for item in store.recent(RECENT)]

    def _item(self, run_id: str) -> ConsoleBackfillRunItem:
        item = store.get(run_id) if len(run_id) <= 64 else None
        if item is None:
            raise BackfillRunNotFound(run_id)
        return item

    def _view(self, item: ConsoleBackfillRunItem, *, detail: bool = False) -> BackfillRun:
        progress = rows_url = None
        if detail and item.status != "created":
            progress = self._progress(item.run_id)
        if detail and item.status == "succeeded":
            rows_url = self.files.download_link(item.run_id, ROWS, self.link_ttl_seconds)
        return BackfillRun(
            run_id=item.run_id,
            dry_run=item.dry_run,
            upload=item.upload,  # type: ignore[arg-type]
            status=item.status,  # type: ignore[arg-type]
            created_at=item.created_at,
            created_by=item.created_by,
            started_at=item.started_at,
            finished_at=item.finished_at,
            progress=progress,
            summary=_summary(item.summary),
            error=item.error,
            rows_file_url=rows_url,
        )

    def _progress(self, run_id: str) -> BackfillProgress:
        names = self.files.work_files(run_id)
        return BackfillProgress(
            chunks_done=sum(name.startswith("result-") for name in names),
            chunks_total=sum(name.startswith("chunk-") for name in names),
        )


def _summary(text: str | None) -> BackfillSummary | None:
    if not text:
        return None
    report = json.loads(text)
    return BackfillSummary.model_validate({name: report.get(name) for name in BackfillSummary.model_fields})


def _failure(described: dict[str, Any]) -> str:
    reason = f"{described.get('error') or described.get('status')}: {described.get('cause') or ''}".strip(": ")
    return reason[:2000]
