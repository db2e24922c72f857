"""POST /auth/recycled/new: "the number is mine now": a new customer on the phone, the old one keeps the rest."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, signed_in
from customer_identity.core.models.accounts import OtpVerified
from customer_identity.core.models.phones import RecycleNew

app = create_app()
guard = runtime.recycle_guard()


@app.post(
    "/auth/recycled/new",
    operation_id="startRecycled",
    summary="Say the number is yours now, after a 202 from /auth/otp/verify: sign in as a new customer",
    description="The phone is released from the earlier customer (who keeps its id, number, bookings and "
    "balance; a `phone_recycled` review item tells the business) and a new customer, with the next number, "
    "is created on it.",
    tags=["auth"],
    responses=documented(
        {201: ok("Signed in as the phone's new customer", OtpVerified) | {"headers": SET_COOKIE_HEADER}},
        public=True,
        body=True,
        params=True,
        errors={401: "`invalid_challenge`"},
    ),
)
def start_recycled(body: RecycleNew) -> Response[OtpVerified]:
    return signed_in(app, guard.start_new(body.challenge, client(app)), refresh_in=body.refresh_in, status=201)


handler = lambda_handler(app, public=True)
