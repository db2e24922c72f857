"""POST /bookings: book for any customer reference; a retried Idempotency-Key books once."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from customer_identity import runtime
from customer_identity.api import (
    AUTH_RESPONSES,
    ERROR_RESPONSES,
    create_app,
    json_response,
    lambda_handler,
    principal,
)
from customer_identity.core.models.bookings import BookingResult, NewBooking
from customer_identity.core.observability import metrics
from customer_identity.use_cases.access import ensure_can_book
from customer_identity.use_cases.idempotency import KEY_HEADER

app = create_app()
bookings = runtime.idempotent_bookings()


@app.post(
    "/bookings",
    summary="Create a booking on the canonical customer (a new phone creates the customer)",
    description=f"Send an `{KEY_HEADER}` header to make retries safe: the same key returns the first booking. "
    "Admins book for any reference; a customer books only for itself (and creates no one).",
    tags=["bookings"],
    responses={
        201: {"description": "Booked", "content": {"application/json": {"model": BookingResult}}},
        404: ERROR_RESPONSES[422] | {"description": "customer_not_found"},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def create_booking(body: NewBooking) -> Response[BookingResult]:
    caller = principal(app)
    ensure_can_book(caller)
    bookings.register_context(app.lambda_context)
    key = app.current_event.headers.get(KEY_HEADER)  # case-insensitive in Powertools v3
    result = bookings.create(body, key, caller=caller.account_id, on_behalf_of=caller.customer_id)
    metrics.add_metric(name="BookingCreated", unit=MetricUnit.Count, value=1)
    return json_response(201, result)


handler = lambda_handler(app)
