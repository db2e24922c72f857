"""GET /customers/{ref}/bookings: a customer's bookings, newest first, whatever the reference."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.bookings import BookingPage
from customer_identity.use_cases.sign_in.access import ensure_can_read, may_read_customers

app = create_app()
bookings = runtime.bookings_reader()


@app.get(
    "/customers/<ref>/bookings",
    operation_id="listCustomerBookings",
    summary="Booking history of a customer (one query per page, newest first)",
    tags=["bookings"],
    responses=documented(
        {200: ok("One page, newest first; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "suppliers and marketing staff", 404: "`customer_not_found`"},
    ),
)
def list_customer_bookings(
    ref: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> BookingPage:
    reference, caller = path_parameter(app, "ref"), principal(app)
    may_read_customers(caller)  # the role decides first: the answer must not depend on what exists
    return bookings.history(
        reference, limit=limit, cursor=cursor, authorize=lambda customer: ensure_can_read(caller, customer, reference)
    )


handler = lambda_handler(app)
