"""The three steps of a backfill as the state machine calls them: plan, write (one per chunk), report.

Each takes and returns small JSON documents; the plan and the results travel as files in the
workspace (a local folder, or the input's S3 prefix), so no state payload grows with the input.
"""

from __future__ import annotations

import json
import time
from typing import Any

from customer_identity.core.settings import Settings
from customer_identity.use_cases.backfill.planning import plan_step
from customer_identity.use_cases.backfill.report import report_step
from customer_identity.use_cases.backfill.workspace import open_workspace
from customer_identity.use_cases.backfill.writer import WRITERS, write_chunk

DEFAULT_CHUNK_SIZE = 500  # persons per write task


class Backfill:
    def __init__(self, settings: Settings, *, writers: int = WRITERS) -> None:
        self.settings = settings
        self.writers = writers

    def plan(self, event: dict[str, Any]) -> dict[str, Any]:
        """``{"source", "dry_run"?, "chunk_size"?, "run_id"?, "out"?}`` → the plan and its chunks."""
        workspace = open_workspace(str(event["source"]), event.get("out"))
        planned = plan_step(
            workspace,
            self.settings,
            run_id=event.get("run_id"),
            dry_run=bool(event.get("dry_run", False)),
            chunk_size=int(event.get("chunk_size") or DEFAULT_CHUNK_SIZE),
        )
        planned["out"] = event.get("out")
        for chunk in planned["chunks"]:
            chunk["out"] = event.get("out")
        return planned

    def write(self, chunk: dict[str, Any]) -> dict[str, Any]:
        """One chunk descriptor from the plan → a summary; the outcomes go to ``result-<n>.json``."""
        started = time.monotonic()
        workspace = open_workspace(chunk["source"], chunk.get("out"))
        name = f"{chunk['run_id']}/chunk-{chunk['chunk']:05d}.json"
        chunk_plan = json.loads(workspace.read(name))
        result = write_chunk(chunk_plan, run_id=chunk["run_id"], dry_run=chunk["dry_run"], writers=self.writers)
        result["seconds"] = round(time.monotonic() - started, 3)
        workspace.write(f"{chunk['run_id']}/result-{chunk['chunk']:05d}.json", json.dumps(result, default=str))
        return {"chunk": chunk["chunk"], "rows": len(result["outcomes"])}

    def report(self, event: dict[str, Any]) -> dict[str, Any]:
        """``{"plan": <the plan step's output>}`` → the report's summary (files written to the workspace)."""
        planned = event["plan"]
        workspace = open_workspace(planned["source"], planned.get("out"))
        results = [
            json.loads(workspace.read(f"{planned['run_id']}/result-{chunk['chunk']:05d}.json"))
            for chunk in planned["chunks"]
        ]
        summary = report_step(workspace, planned, results)
        return {key: value for key, value in summary.items() if key != "conflicts"} | {
            "conflicts": len(summary["conflicts"])
        }
