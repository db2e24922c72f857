"""The change-event publisher (no route): the table's stream in, domain events to EventBridge out.

Invoked by the stream's event source mapping with a batch of records (docs/events.md); answers
the first record not published, so Lambda retries from there (``ReportBatchItemFailures``).
"""

from typing import Any

from customer_identity import runtime
from customer_identity.core.observability import logger

publisher = runtime.event_publisher()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    failed = publisher.publish(event.get("Records", []))
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failed]}
