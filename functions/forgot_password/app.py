"""POST /auth/password/forgot: send a reset token (the same answer whether or not the account exists)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok
from customer_identity.core.models import Accepted, PasswordForgotten

app = create_app()
sign_in = runtime.password_sign_in()
ACCEPTED = Accepted(message="If an account has this email or phone, a reset token is on its way.")


@app.post(
    "/auth/password/forgot",
    operation_id="forgotPassword",
    summary="Send a single-use password reset token (1 hour) by email or SMS",
    tags=["auth"],
    responses=documented({202: ok("Accepted (known or not)", Accepted)}, public=True, body=True, params=True),
)
def forgot_password(body: PasswordForgotten) -> Response[Accepted]:
    sign_in.forgot(email=body.email, phone=body.phone)
    return json_response(202, ACCEPTED)


handler = lambda_handler(app, public=True)
