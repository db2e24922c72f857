"""The console's backfill runs in the table: create, read, list newest first, move status conditionally."""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from customer_identity.storage import keys, table
from customer_identity.storage.entities import ConsoleBackfillRunItem


def create(item: ConsoleBackfillRunItem) -> None:
    """Write a new run (its id is fresh: a second write of it fails instead of overwriting)."""
    item.save(condition=ConsoleBackfillRunItem.pk.does_not_exist())


def get(run_id: str) -> ConsoleBackfillRunItem | None:
    return table.get(ConsoleBackfillRunItem, keys.console_backfill_run_key(run_id))


def recent(limit: int) -> list[ConsoleBackfillRunItem]:
    """The newest ``limit`` runs, newest first (one ``Query``)."""
    found = ConsoleBackfillRunItem.query(
        keys.CONSOLE_BACKFILL_RUNS,
        ConsoleBackfillRunItem.sk.startswith("RUN#"),
        scan_index_forward=False,
        limit=limit,
        consistent_read=True,
    )
    return [item for item in found if isinstance(item, ConsoleBackfillRunItem)]


def mark_started(run_id: str, *, execution: str, at: str) -> bool:
    """created -> running; False when the run was not ``created`` any more (started already)."""
    item = ConsoleBackfillRunItem(*keys.console_backfill_run_key(run_id))
    try:
        item.update(
            actions=[
                ConsoleBackfillRunItem.status.set("running"),
                ConsoleBackfillRunItem.execution.set(execution),
                ConsoleBackfillRunItem.started_at.set(at),
            ],
            condition=ConsoleBackfillRunItem.status == "created",
        )
    except UpdateError as error:
        if table.condition_failed(error):
            return False
        raise
    return True


def mark_finished(run_id: str, *, status: str, at: str, summary: str | None, error: str | None) -> None:
    """running -> succeeded | failed, once (a reader that lost the race changes nothing)."""
    item = ConsoleBackfillRunItem(*keys.console_backfill_run_key(run_id))
    actions = [ConsoleBackfillRunItem.status.set(status), ConsoleBackfillRunItem.finished_at.set(at)]
    if summary is not None:
        actions.append(ConsoleBackfillRunItem.summary.set(summary))
    if error is not None:
        actions.append(ConsoleBackfillRunItem.error.set(error))
    try:
        item.update(actions=actions, condition=ConsoleBackfillRunItem.status == "running")
    except UpdateError as failure:
        if not table.condition_failed(failure):
            raise
