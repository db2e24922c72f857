"""Admin operations: exports, staff, merges, stats, backfill, audit, alias check, review queue."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from customer_identity.runtime.identity_builders import config, listing, resolver, resolver_reader, views
from customer_identity.runtime.sign_in_builders import accounts, passwords, session_store

if TYPE_CHECKING:
    from customer_identity.use_cases.admin.alias_check import AliasCheck
    from customer_identity.use_cases.admin.audit import Audit
    from customer_identity.use_cases.admin.backfill_runs import BackfillRuns
    from customer_identity.use_cases.admin.exports import CustomerExport
    from customer_identity.use_cases.admin.legacy_records import LegacyRecords
    from customer_identity.use_cases.admin.merges import Merges
    from customer_identity.use_cases.admin.review_decisions import ReviewDecisions
    from customer_identity.use_cases.admin.review_queue import ReviewQueue
    from customer_identity.use_cases.admin.staff import Staff
    from customer_identity.use_cases.admin.staff_management import StaffManagement
    from customer_identity.use_cases.backfill.steps import Backfill


@cache
def customer_export() -> CustomerExport:
    from customer_identity.use_cases.admin.export_files import LocalExportFiles, S3ExportFiles
    from customer_identity.use_cases.admin.exports import CustomerExport, ExportFiles

    current = config()
    files: ExportFiles | None = None
    if current.export_bucket:
        files = S3ExportFiles(current.export_bucket, link_ttl_seconds=current.export_link_ttl_seconds)
    elif current.export_dir:
        files = LocalExportFiles(current.export_dir)
    return CustomerExport(
        views(),
        files,
        inline_limit=current.export_inline_limit_bytes,
        link_ttl_seconds=current.export_link_ttl_seconds,
    )


@cache
def staff() -> Staff:
    from customer_identity.use_cases.admin.staff import Staff

    return Staff(config(), accounts(), passwords())


@cache
def merges() -> Merges:
    from customer_identity.use_cases.admin.merge_moves import Mover
    from customer_identity.use_cases.admin.merges import Merges

    store = session_store()

    def end_sessions(customer_id: str) -> int:
        return store.revoke_all(customer_id, "merged_away")

    return Merges(config(), resolver(), views(), Mover(config(), resolver()), end_sessions)


@cache
def merges_reader() -> Merges:
    """Lists merges; never writes (a merge left moving is shown as ``moving``)."""
    from customer_identity.use_cases.admin.merges import Merges

    return Merges(config(), resolver_reader(), views(), mover=None)


@cache
def staff_management() -> StaffManagement:
    from customer_identity.use_cases.admin.staff_management import StaffManagement

    return StaffManagement(config(), accounts(), listing())


@cache
def backfill() -> Backfill:
    from customer_identity.use_cases.backfill.steps import Backfill

    return Backfill(config())


@cache
def backfill_runs() -> BackfillRuns:
    """Console backfill runs: the bucket and Step Functions deployed, the local folder and runner under ``make run``."""
    from customer_identity.use_cases.admin.backfill_run_files import LocalRunFiles, RunFiles, S3RunFiles
    from customer_identity.use_cases.admin.backfill_runs import BackfillRuns, StepFunctionsExecutions

    current = config()
    files: RunFiles | None = None
    if current.backfill_bucket:
        files = S3RunFiles(current.backfill_bucket, current.aws_region)
    elif current.backfill_dir and current.backfill_link_key:
        files = LocalRunFiles(current.backfill_dir, current.backfill_link_key.get_secret_value().encode())
    executions = None
    if current.backfill_state_machine_arn:
        executions = StepFunctionsExecutions(
            current.backfill_state_machine_arn, current.aws_region, current.states_endpoint
        )
    return BackfillRuns(files, executions, link_ttl_seconds=current.backfill_link_ttl_seconds)


STRANDED_PAGE = 10


@cache
def audit() -> Audit:
    from customer_identity.use_cases.admin.audit import Audit

    stranded = staff_management().stranded_customers
    return Audit(views().numbers, lambda: stranded(limit=STRANDED_PAGE, examples=5))


@cache
def alias_check() -> AliasCheck:
    from customer_identity.use_cases.admin.alias_check import AliasCheck
    from customer_identity.use_cases.workers import async_invoker

    current = config()
    return AliasCheck(async_invoker(current.alias_check_function, current.aws_region, current.lambda_endpoint))


@cache
def review_queue_reader() -> ReviewQueue:
    from customer_identity.use_cases.admin.review_queue import ReviewQueue

    config()
    return ReviewQueue()


@cache
def legacy_records_reader() -> LegacyRecords:
    from customer_identity.use_cases.admin.legacy_records import LegacyRecords

    return LegacyRecords(resolver_reader())


@cache
def review_decisions() -> ReviewDecisions:
    from customer_identity.use_cases.admin.review_decisions import ReviewDecisions

    return ReviewDecisions(config(), resolver(), views())


BUILDERS = (
    customer_export,
    staff,
    merges,
    merges_reader,
    staff_management,
    backfill,
    backfill_runs,
    audit,
    alias_check,
    review_queue_reader,
    review_decisions,
    legacy_records_reader,
)
