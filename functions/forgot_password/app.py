"""POST /auth/password/forgot: queue a reset for the worker (the same answer, in the same time, known or not)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, source_ip
from customer_identity.core.models.accounts import PasswordForgotten
from customer_identity.core.models.common import Accepted

app = create_app()
resets = runtime.reset_requests()
ACCEPTED = Accepted(message="If an account has this email or phone, a reset token is on its way.")


@app.post(
    "/auth/password/forgot",
    operation_id="forgotPassword",
    summary="Send a single-use password reset token (1 hour) by email or SMS",
    description="Answers 202 at once, before any account is looked up: the reset worker does the rest. "
    "Requests over the limits (3 per address per 15 min; the SMS budgets per IP and in all) are accepted and dropped.",
    tags=["auth"],
    responses=documented(
        {202: ok("Accepted (known or not)", Accepted)},
        public=True,
        body=True,
        params=True,
        errors={422: "`phone_country_not_allowed`: the phone is outside the SMS countries"},
    ),
)
def forgot_password(body: PasswordForgotten) -> Response[Accepted]:
    resets.submit(email=body.email, phone=body.phone, source_ip=source_ip(app))
    return json_response(202, ACCEPTED)


handler = lambda_handler(app, public=True)
