"""GET /customers/{ref}/bookings: a customer's bookings, newest first, whatever the reference."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, path_parameter, principal
from customer_identity.core.models.bookings import BookingPage
from customer_identity.use_cases.access import ensure_can_read, may_read_customers

app = create_app()
bookings = runtime.bookings_reader()


@app.get(
    "/customers/<ref>/bookings",
    summary="Booking history of a customer (one query per page, newest first)",
    tags=["bookings"],
    responses={404: ERROR_RESPONSES[422] | {"description": "customer_not_found"}, **ERROR_RESPONSES, **AUTH_RESPONSES},
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
