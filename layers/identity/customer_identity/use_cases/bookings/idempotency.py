"""Retry safety for ``POST /bookings``: the same ``Idempotency-Key`` returns the first booking.

Powertools idempotency with DynamoDB persistence, in the service's own table
(``pk = IDEMPOTENCY#create_booking``, ``sk`` = hash of the key; records expire after 24 h through
the table's TTL on ``expiration``). Concurrent requests with one key wait for the first to finish
and return its result; a key reused with a different body is refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from pydantic import WithJsonSchema

from customer_identity.core.errors import IdempotencyKeyReused, InvalidInput
from customer_identity.core.models.bookings import BookingResult, NewBooking
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.storage import keys, table
from customer_identity.use_cases.bookings.bookings import Bookings

KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
EXPIRES_AFTER_SECONDS = 24 * 3600
# The header as a route declares it (OpenAPI: clients see it); checked by IdempotentBookings.create
# (422 invalid_idempotency_key), so the resolver only passes it on.
IdempotencyKey = Annotated[
    str | None,
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": r"\S"}),
    Header(alias=KEY_HEADER, description="A retry with the same key returns the first booking"),
]


class IdempotentBookings:
    def __init__(self, bookings: Bookings) -> None:
        self.bookings = bookings
        store = DynamoDBPersistenceLayer(
            table_name=table.config().name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=keys.IDEMPOTENCY_PARTITION,
            boto3_client=table.client(),  # the storage layer's client: no other one at cold start
        )
        self.config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="request",
            expires_after_seconds=EXPIRES_AFTER_SECONDS,
        )

        @idempotent_function(data_keyword_argument="call", persistence_store=store, config=self.config)
        def create_once(call: dict[str, Any]) -> dict[str, Any]:
            request = NewBooking.model_validate(call["request"])
            return bookings.create(request, on_behalf_of=call.get("on_behalf_of")).model_dump(mode="json")

        self._create_once = create_once

    def register_context(self, context: Any) -> None:
        """Lets an in-progress record expire with the invocation (so a crash does not block the key)."""
        if context is not None:
            self.config.register_lambda_context(context)

    def create(
        self, new: NewBooking, key: str | None, *, caller: str, on_behalf_of: str | None = None
    ) -> BookingResult:
        """Book once per (``caller``, ``key``): keys of different callers never collide."""
        if key is None:
            return self.bookings.create(new, on_behalf_of=on_behalf_of)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput(
                f"{KEY_HEADER} must be 1 to {MAX_KEY_LENGTH} characters",
                field=KEY_HEADER,
                code="invalid_idempotency_key",
            )
        call = {"key": f"{caller}:{key}", "request": new.model_dump(mode="json"), "on_behalf_of": on_behalf_of}

        def attempt() -> BookingResult:
            try:
                return BookingResult.model_validate(self._create_once(call=call))
            except IdempotencyAlreadyInProgressError as error:
                raise LostRace from error  # the first request with this key is still running
            except IdempotencyValidationError as error:
                raise IdempotencyKeyReused() from error

        return retry_lost_races(attempt, self.bookings.settings.contention_budget_seconds)
