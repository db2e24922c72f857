"""``GET /dev/outbox?to=<E.164 phone or email>``: what the local outbox sender kept, newest first.

Served by ``make run`` only (it is not in ``template.yaml``, so it is never deployed): this is how a
developer reads sign-in codes and reset tokens without SMS or email.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from customer_identity import runtime
from customer_identity.core.errors import InvalidInput
from customer_identity.core.models.common import error_body
from customer_identity.core.settings import Settings
from customer_identity.use_cases.identity.phones import normalise_phone
from customer_identity.use_cases.sign_in.notifications import outbox_messages

JSON = {"Content-Type": "application/json"}


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, JSON, json.dumps(error_body(code, message, "to")).encode()


def outbox_response(query: str) -> tuple[int, dict[str, str], bytes]:
    settings: Settings = runtime.config()
    to = (parse_qs(query).get("to") or [""])[-1].strip()
    if not to:
        return _error(422, "missing_field", "to is required: an E.164 phone number or an email address")
    if "@" in to:
        address = to.lower()
    else:
        try:
            address = normalise_phone(to, settings.default_region).e164
        except InvalidInput as error:
            return _error(422, "invalid_to", error.message)
    return 200, JSON, json.dumps({"messages": outbox_messages(address)}).encode()
