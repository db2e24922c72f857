"""POST /auth/otp/request: send a sign-in code by SMS (the same answer for known and unknown phones)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import ERROR_RESPONSES, create_app, json_response, lambda_handler
from customer_identity.core.models.accounts import OtpRequest
from customer_identity.core.models.common import Accepted, ErrorBody

app = create_app()
sign_in = runtime.phone_sign_in()
ACCEPTED = Accepted(message="If this number can receive SMS, a sign-in code is on its way.")


@app.post(
    "/auth/otp/request",
    summary="Send a 6-digit sign-in code to a phone (valid 5 minutes, single use)",
    tags=["auth"],
    responses={
        202: {"description": "Accepted (known or not)", "content": {"application/json": {"model": Accepted}}},
        429: {
            "description": "too_many_codes: 3 per phone per 15 min",
            "content": {"application/json": {"model": ErrorBody}},
        },
        **ERROR_RESPONSES,
    },
)
def request_otp(body: OtpRequest) -> Response[Accepted]:
    sign_in.request(body.phone)
    return json_response(202, ACCEPTED)


handler = lambda_handler(app, public=True)
