"""The password-reset worker (no route): counts, looks up and sends what POST /auth/password/forgot queued.

Invoked asynchronously with ``{"channel": "email" | "sms", "to", "source_ip"}``; see
``use_cases.password_resets``. It answers nobody, so what it finds never reaches the requester.
"""

from typing import Any

from customer_identity import runtime
from customer_identity.core.observability import logger

delivery = runtime.reset_delivery()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    delivery.deliver(delivery.request_of(event))
    return {"status": "done"}
