"""POST /auth/otp/request: send a sign-in code by SMS (the same answer for known and unknown phones)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, source_ip
from customer_identity.core.models.accounts import OtpRequest
from customer_identity.core.models.common import Accepted

app = create_app()
sign_in = runtime.phone_sign_in()
ACCEPTED = Accepted(message="If this number can receive SMS, a sign-in code is on its way.")


@app.post(
    "/auth/otp/request",
    operation_id="requestOtp",
    summary="Send a 6-digit sign-in code to a phone (valid 5 minutes, single use)",
    tags=["auth"],
    responses=documented(
        {202: ok("Accepted (known or not)", Accepted)},
        public=True,
        body=True,
        params=True,
        errors={
            422: "`phone_country_not_allowed`: the phone is outside the SMS countries",
            429: "`too_many_codes`: 3 per phone per 15 min; `too_many_codes_from_address`: the SMS budget of the "
            "client's IP for this minute is spent; `sms_budget_exhausted`: the service's SMS budget for this minute "
            "is spent",
            503: "`delivery_failed` or `busy`",
        },
    ),
)
def request_otp(body: OtpRequest) -> Response[Accepted]:
    sign_in.request(body.phone, source_ip=source_ip(app))
    return json_response(202, ACCEPTED)


handler = lambda_handler(app, public=True)
