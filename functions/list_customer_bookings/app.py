"""GET /customers/{ref}/bookings: a customer's bookings, newest first, whatever the reference."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler, path_parameter
from customer_identity.models import BookingPage
from customer_identity.runtime import booking_service

app = create_app()
bookings = booking_service()


@app.get(
    "/customers/<ref>/bookings",
    summary="Booking history of a customer (one query per page, newest first)",
    tags=["bookings"],
    responses={404: ERROR_RESPONSES[422] | {"description": "customer_not_found"}, **ERROR_RESPONSES},
)
def list_customer_bookings(
    ref: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> BookingPage:
    return bookings.history(path_parameter(app, "ref"), limit=limit, cursor=cursor)


handler = lambda_handler(app)
