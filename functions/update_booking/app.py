"""PATCH /bookings/{booking_id}: change a booking's status (cancelling takes it out of the totals)."""

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, path_parameter, principal
from customer_identity.core.models.bookings import BookingChanges, BookingEnvelope
from customer_identity.use_cases.access import ensure_can_change_booking, may_change_bookings

app = create_app()
bookings = runtime.bookings()


@app.patch(
    "/bookings/<booking_id>",
    summary="Set a booking's status: scheduled → completed | cancelled, completed → cancelled",
    description="Admins: any booking. Delivery persons: bookings of their customers. "
    "Customers: cancel their own bookings.",
    tags=["bookings"],
    responses={
        404: ERROR_RESPONSES[422] | {"description": "booking_not_found"},
        409: ERROR_RESPONSES[422] | {"description": "invalid_transition"},
        **ERROR_RESPONSES,
        **AUTH_RESPONSES,
    },
)
def update_booking(booking_id: str, body: BookingChanges) -> BookingEnvelope:
    booking_id, caller = path_parameter(app, "booking_id"), principal(app)
    may_change_bookings(caller)  # the role decides first: the answer must not depend on what exists
    booking = bookings.set_status(
        booking_id,
        body.status,
        authorize=lambda customer: ensure_can_change_booking(caller, customer, booking_id, body.status),
    )
    return BookingEnvelope(booking=booking)


handler = lambda_handler(app)
