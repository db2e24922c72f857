"""The report step: every row's outcome in ``backfill-rows.jsonl``, the totals in ``backfill-report.json``."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import BackfillRunItem
from customer_identity.use_cases.backfill.records import COLLECTIONS
from customer_identity.use_cases.backfill.workspace import Workspace

REPORT = "backfill-report.json"
ROWS = "backfill-rows.jsonl"


def report_step(workspace: Workspace, planned: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    """Merge the chunks' results; mark the run complete (not on a dry run); return the summary."""
    outcomes = sorted(
        (row for result in results for row in result["outcomes"]),
        key=lambda row: (COLLECTIONS.index(row["collection"]), row["line"]),
    )
    by_collection: dict[str, Counter[str]] = defaultdict(Counter)
    for row in outcomes:
        by_collection[row["collection"]][row["outcome"]] += 1
    totals = Counter(row["outcome"] for row in outcomes)
    conflicts = [conflict for result in results for conflict in result["conflicts"]]
    summary = {
        "run_id": planned["run_id"],
        "source": planned["source"],
        "dry_run": planned["dry_run"],
        "rows_total": planned["rows_total"],
        "rows_reported": len(outcomes),
        "customers_created": totals.get("created", 0),
        "first_number": planned["first_number"],
        "outcomes": dict(sorted(totals.items())),
        "by_collection": {name: dict(sorted(counts.items())) for name, counts in by_collection.items()},
        "unmapped_fields": planned.get("unmapped_fields", {}),
        "conflicts": conflicts,
        "timings": {
            "plan_seconds": planned["plan_seconds"],
            "write_seconds": round(sum(result.get("seconds", 0) for result in results), 3),
        },
    }
    rows_text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in outcomes)
    summary["rows_file"] = workspace.write_output(ROWS, rows_text)
    summary["report_file"] = workspace.write_output(
        REPORT, json.dumps(summary, indent=1, ensure_ascii=False, default=str)
    )
    if not planned["dry_run"]:
        run = BackfillRunItem(*keys.backfill_run_key(planned["run_id"]))
        run.update(actions=[BackfillRunItem.completed_at.set(utc_now())])
    return summary
