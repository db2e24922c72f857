"""POST /auth/otp/verify: check a sign-in code; find-or-create the phone's customer and sign it in."""

from customer_identity import runtime
from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler
from customer_identity.core.models.accounts import OtpVerification, OtpVerified
from customer_identity.core.models.common import ErrorBody

app = create_app()
sign_in = runtime.phone_sign_in()


@app.post(
    "/auth/otp/verify",
    summary="Sign in with a phone code (creates the customer on first sign-in)",
    tags=["auth"],
    responses={
        401: {
            "description": "invalid_code: wrong, expired or used",
            "content": {"application/json": {"model": ErrorBody}},
        },
        429: {"description": "too_many_attempts: 5 per code", "content": {"application/json": {"model": ErrorBody}}},
        **ERROR_RESPONSES,
    },
)
def verify_otp(body: OtpVerification) -> OtpVerified:
    return sign_in.verify(body.phone, body.code)


handler = lambda_handler(app, public=True)
