"""``backfill``: run the backfill state machine over a legacy export.

* ``backfill run DIR [--dry-run] [--out DIR]``: locally. The same ASL definition that AWS runs
  (``statemachines/backfill.asl.json``) runs on moto's Step Functions interpreter, its Task states
  dispatched to the project's own handlers, against the data ``make run`` serves (the running
  server's DynamoDB, or the local one over ``LOCAL_DATA_DIR`` for the moment it takes, or
  ``DYNAMODB_ENDPOINT``). Shortcut: ``make backfill DIR=./export [DRY_RUN=1]``.
* ``backfill start s3://bucket/prefix --state-machine-arn ARN [--dry-run]``: in AWS; follows the execution.

Exit status: 0 when the run finished (rows held for review are not a failure), 1 when it failed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from devserver.template import PROJECT_ROOT, resources

DEFINITION = PROJECT_ROOT / "statemachines" / "backfill.asl.json"
LOCAL_ACCOUNT = "123456789012"
STEPS = {"BackfillPlanFunction": "plan", "BackfillWriteFunction": "write", "BackfillReportFunction": "report"}
POLL_SECONDS = 0.5


def definition(substitutions: dict[str, str]) -> str:
    text = DEFINITION.read_text()
    for name, value in substitutions.items():
        text = text.replace("${" + name + "}", value)
    return text


def local_definition() -> tuple[str, dict[str, str]]:
    """The ASL with local substitutions, and the function name behind each Lambda ARN."""
    arns = {name: f"arn:aws:lambda:us-east-1:{LOCAL_ACCOUNT}:function:{name}" for name in STEPS}
    return definition({f"{name}Arn": arn for name, arn in arns.items()} | {"MapMode": "INLINE"}), {
        arn: name for name, arn in arns.items()
    }


def _handlers() -> dict[str, Callable[[dict[str, Any], Any], Any]]:
    functions = resources("AWS::Serverless::Function")
    loaded = {}
    for name in STEPS:
        path = PROJECT_ROOT / functions[name]["Properties"]["CodeUri"] / "app.py"
        spec = importlib.util.spec_from_file_location(f"_backfill_{name}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loaded[name] = module.handler
    return loaded


@contextlib.contextmanager
def local_step_functions() -> Iterator[tuple[Any, str]]:
    """moto's Step Functions executing the backfill definition; yields (client, state machine ARN)."""
    import boto3
    from moto import mock_aws
    from moto.awslambda_simple.models import LambdaSimpleBackend

    from devserver.server import LambdaContext

    text, names = local_definition()
    handlers = _handlers()

    def invoke(self: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any) -> bytes:
        name = names.get(function_name) or function_name.rpartition(":")[2]
        event = json.loads(body) if body else {}
        result = handlers[name](event, LambdaContext(function_name=name, timeout_ms=900_000))
        return json.dumps(result).encode()

    config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    original = LambdaSimpleBackend.invoke
    with mock_aws(config=config):  # type: ignore[arg-type]
        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
        try:
            client = boto3.client("stepfunctions", region_name="us-east-1")
            arn = client.create_state_machine(
                name="backfill", definition=text, roleArn=f"arn:aws:iam::{LOCAL_ACCOUNT}:role/backfill"
            )["stateMachineArn"]
            yield client, arn
        finally:
            LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]


def follow(client: Any, execution_arn: str, progress: Callable[[], tuple[int, int]] | None) -> dict[str, Any]:
    """Wait for the execution, showing progress on a terminal; its final description."""
    from rich.progress import Progress

    interactive = sys.stderr.isatty() and progress is not None
    with Progress(disable=not interactive, transient=True) as bar:
        task = bar.add_task("backfill", total=None)
        while True:
            described = client.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                return described
            if interactive and progress is not None:
                done, total = progress()
                bar.update(task, completed=done, total=total or None, description=f"chunks {done}/{total}")
            time.sleep(POLL_SECONDS)


def print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"backfill {summary['run_id']}{' (dry run)' if summary['dry_run'] else ''}")
    table.add_column("collection")
    outcomes = sorted(summary["outcomes"])
    for outcome in outcomes:
        table.add_column(outcome, justify="right")
    for collection, counts in summary["by_collection"].items():
        table.add_row(collection, *(str(counts.get(outcome, 0)) for outcome in outcomes))
    table.add_row("all", *(str(summary["outcomes"][outcome]) for outcome in outcomes), style="bold")
    console = Console()
    console.print(table)
    console.print(
        f"rows read {summary['rows_total']}, reported {summary['rows_reported']}, customers created "
        f"{summary['customers_created']}, conflicts {summary['conflicts']}\n"
        f"report: {summary['report_file']}\nrows:   {summary['rows_file']}"
    )


def run_local(source: Path, *, dry_run: bool, out: Path | None, chunk_size: int | None) -> int:
    from devserver import server

    data_dir = server.local_data_dir()
    with server.local_table(data_dir), quiet(), local_step_functions() as (client, arn):
        event = {"source": str(source.resolve()), "dry_run": dry_run, "out": str(out.resolve()) if out else None}
        if chunk_size:
            event["chunk_size"] = chunk_size
        execution = client.start_execution(stateMachineArn=arn, input=json.dumps(event))["executionArn"]
        described = follow(client, execution, _local_progress(source))
    return _finish(described)


def _local_progress(source: Path) -> Callable[[], tuple[int, int]]:
    work = source / ".backfill"

    def progress() -> tuple[int, int]:
        runs = sorted(work.glob("*/"), key=lambda path: path.stat().st_mtime) if work.is_dir() else []
        if not runs:
            return 0, 0
        latest = runs[-1]
        return len(list(latest.glob("result-*.json"))), len(list(latest.glob("chunk-*.json")))

    return progress


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """A person reads the summary or the failure's cause; ``BACKFILL_LOG_LEVEL=INFO`` shows the tasks' logs."""
    from customer_identity.core.observability import logger

    level = os.environ.get("BACKFILL_LOG_LEVEL", "CRITICAL")
    logger.setLevel(level)
    logging.getLogger("moto").setLevel(level)
    yield


def start_in_aws(source: str, *, state_machine_arn: str, dry_run: bool) -> int:
    import boto3

    client = boto3.client("stepfunctions")
    execution = client.start_execution(
        stateMachineArn=state_machine_arn, input=json.dumps({"source": source, "dry_run": dry_run})
    )["executionArn"]
    print(f"started {execution}", file=sys.stderr)
    return _finish(follow(client, execution, None))


def _finish(described: dict[str, Any]) -> int:
    if described["status"] != "SUCCEEDED":
        print(f"backfill {described['status']}: {described.get('error', '')} {described.get('cause', '')}"[:4000])
        return 1
    print_summary(json.loads(described["output"]))
    return 0


def render_definitions(into: Path) -> int:
    """``local.asl.json`` (INLINE Map, local ARNs) and ``aws.asl.json`` (DISTRIBUTED Map, example ARNs)."""
    into.mkdir(parents=True, exist_ok=True)
    (into / "local.asl.json").write_text(local_definition()[0])
    arns = {f"{name}Arn": f"arn:aws:lambda:us-east-1:{LOCAL_ACCOUNT}:function:{name}" for name in STEPS}
    (into / "aws.asl.json").write_text(definition(arns | {"MapMode": "DISTRIBUTED"}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="backfill", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run locally over an export folder")
    run.add_argument("source", type=Path)
    run.add_argument("--dry-run", action="store_true", help="write nothing to the table, only the report")
    run.add_argument("--out", type=Path, help="where the report goes (default: the export folder)")
    run.add_argument("--chunk-size", type=int, help="persons per write task (default 500)")
    start = commands.add_parser("start", help="start the deployed state machine on an S3 prefix and follow it")
    start.add_argument("source", help="s3://bucket/prefix holding the export")
    start.add_argument("--state-machine-arn", required=True)
    start.add_argument("--dry-run", action="store_true")
    render = commands.add_parser("render", help="write the definition as run locally and as deployed (for validators)")
    render.add_argument("into", type=Path)
    args = parser.parse_args(argv)
    if args.command == "render":
        return render_definitions(args.into)
    if args.command == "run":
        if not args.source.is_dir():
            parser.error(f"{args.source} is not a folder")
        return run_local(args.source, dry_run=args.dry_run, out=args.out, chunk_size=args.chunk_size)
    return start_in_aws(args.source, state_machine_arn=args.state_machine_arn, dry_run=args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
