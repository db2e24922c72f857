"""PATCH /bookings/{booking_id}: change a booking's status (cancelling takes it out of the totals)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.bookings import BookingChanges, BookingEnvelope
from customer_identity.use_cases.sign_in.access import ensure_can_change_booking, may_change_bookings

app = create_app()
bookings = runtime.bookings()


@app.patch(
    "/bookings/<booking_id>",
    operation_id="updateBooking",
    summary="Set a booking's status: scheduled → completed | cancelled, completed → cancelled",
    description="Admins: any booking. Delivery persons: bookings of their customers. "
    "Customers: cancel their own bookings.",
    tags=["bookings"],
    responses=documented(
        {200: ok("Changed")},
        body=True,
        params=True,
        errors={403: "a customer may only cancel", 404: "`booking_not_found`", 409: "`invalid_transition`"},
    ),
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
