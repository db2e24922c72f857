"""POST /auth/otp/verify: check a sign-in code; find-or-create the phone's customer and sign it in."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, signed_in
from customer_identity.core.models.accounts import OtpVerification, OtpVerified

app = create_app()
sign_in = runtime.phone_sign_in()


@app.post(
    "/auth/otp/verify",
    operation_id="verifyOtp",
    summary="Sign in with a phone code (creates the customer on first sign-in)",
    tags=["auth"],
    responses=documented(
        {200: ok("Signed in (the customer created on first sign-in)", OtpVerified) | {"headers": SET_COOKIE_HEADER}},
        public=True,
        body=True,
        params=True,
        errors={401: "`invalid_code`: wrong, expired or used", 429: "`too_many_attempts`: 5 per code"},
    ),
)
def verify_otp(body: OtpVerification) -> Response[OtpVerified]:
    return signed_in(app, sign_in.verify(body.phone, body.code, client(app)), refresh_in=body.refresh_in)


handler = lambda_handler(app, public=True)
