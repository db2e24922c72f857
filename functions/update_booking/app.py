"""PATCH /bookings/{booking_id}: change a booking's status (cancelling takes it out of the totals)."""

from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler, path_parameter
from customer_identity.models import BookingChanges, BookingEnvelope
from customer_identity.runtime import booking_service

app = create_app()
bookings = booking_service()


@app.patch(
    "/bookings/<booking_id>",
    summary="Set a booking's status: scheduled → completed | cancelled, completed → cancelled",
    tags=["bookings"],
    responses={
        404: ERROR_RESPONSES[422] | {"description": "booking_not_found"},
        409: ERROR_RESPONSES[422] | {"description": "invalid_transition"},
        **ERROR_RESPONSES,
    },
)
def update_booking(booking_id: str, body: BookingChanges) -> BookingEnvelope:
    return BookingEnvelope(booking=bookings.set_status(path_parameter(app, "booking_id"), body.status))


handler = lambda_handler(app)
