"""POST /bookings: book for any customer reference; a retried Idempotency-Key books once."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.metrics import MetricUnit

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.bookings import BookingResult, NewBooking
from customer_identity.core.observability import metrics
from customer_identity.use_cases.bookings.idempotency import KEY_HEADER, IdempotencyKey
from customer_identity.use_cases.sign_in.access import ensure_can_book

app = create_app()
bookings = runtime.idempotent_bookings()


@app.post(
    "/bookings",
    operation_id="createBooking",
    summary="Create a booking on the canonical customer (a new phone creates the customer)",
    description=f"Send an `{KEY_HEADER}` header to make retries safe: the same key returns the first booking. "
    "Admins book for any reference; a customer books only for itself (and creates no one).",
    tags=["bookings"],
    responses=documented(
        {201: ok("Booked (or, for a repeated `Idempotency-Key`, the first booking)", BookingResult)},
        body=True,
        params=True,
        errors={
            403: "admins and customers only",
            404: "`customer_not_found` (a reference that is not a phone)",
            422: "`idempotency_key_reused` (same key, another body), `invalid_idempotency_key`",
        },
    ),
)
def create_booking(body: NewBooking, key: IdempotencyKey = None) -> Response[BookingResult]:
    caller = principal(app)
    ensure_can_book(caller)
    bookings.register_context(app.lambda_context)
    result = bookings.create(body, key, caller=caller.account_id, on_behalf_of=caller.customer_id)
    metrics.add_metric(name="BookingCreated", unit=MetricUnit.Count, value=1)
    return json_response(201, result)


handler = lambda_handler(app)
