"""POST /auth/otp/verify: check a sign-in code; find-or-create the phone's customer and sign it in (or,
for a customer idle PHONE_RECYCLE_DAYS, answer a challenge: the number may have been recycled)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, signed_in
from customer_identity.core.models.accounts import OtpVerification, OtpVerified
from customer_identity.core.models.phones import RecycleChallenge

app = create_app()
sign_in = runtime.phone_sign_in()


@app.post(
    "/auth/otp/verify",
    operation_id="verifyOtp",
    summary="Sign in with a phone code (creates the customer on first sign-in)",
    description="When the phone's customer has had no activity for `PHONE_RECYCLE_DAYS`, the code proves the "
    "phone but not the person (carriers recycle numbers): the answer is 202 with a single-use challenge, the "
    "same whatever the account holds; continue with `/auth/recycled/prove` or `/auth/recycled/new`.",
    tags=["auth"],
    responses=documented(
        {
            200: ok("Signed in (the customer created on first sign-in)", OtpVerified) | {"headers": SET_COOKIE_HEADER},
            202: ok("Proof required: the number may have changed hands", RecycleChallenge),
        },
        public=True,
        body=True,
        params=True,
        errors={401: "`invalid_code`: wrong, expired or used", 429: "`too_many_attempts`: 5 per code"},
    ),
)
def verify_otp(body: OtpVerification):  # OtpVerified (200) or RecycleChallenge (202): no one return type
    result = sign_in.verify(body.phone, body.code, client(app))
    if isinstance(result, RecycleChallenge):
        return json_response(202, result)
    return signed_in(app, result, refresh_in=body.refresh_in)


handler = lambda_handler(app, public=True)
