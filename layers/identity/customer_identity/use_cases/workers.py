"""Background work: asynchronous Lambda invocations (``InvocationType=Event``).

Lambda queues the event, answers 202 at once and retries a failed invocation twice; the work must
therefore be idempotent (the alias check counts each page once). Locally the dev server answers
the same Invoke API (``LAMBDA_ENDPOINT``), so the code path is the one AWS runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3


def async_invoker(function: str, region: str, endpoint: str | None) -> Callable[[dict[str, Any]], None]:
    """A function queueing ``event`` for ``function`` (its name or ARN); the client is made on first use."""
    clients: list[Any] = []

    def invoke(event: dict[str, Any]) -> None:
        if not clients:
            clients.append(boto3.client("lambda", region_name=region, endpoint_url=endpoint))
        clients[0].invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(event).encode())

    return invoke
