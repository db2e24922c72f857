"""POST /auth/password/forgot: send a reset token (the same answer whether or not the account exists)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import ERROR_RESPONSES, create_app, json_response, lambda_handler
from customer_identity.core.models.accounts import PasswordForgotten
from customer_identity.core.models.common import Accepted

app = create_app()
sign_in = runtime.password_sign_in()
ACCEPTED = Accepted(message="If an account has this email or phone, a reset token is on its way.")


@app.post(
    "/auth/password/forgot",
    summary="Send a single-use password reset token (1 hour) by email or SMS",
    tags=["auth"],
    responses={
        202: {"description": "Accepted (known or not)", "content": {"application/json": {"model": Accepted}}},
        **ERROR_RESPONSES,
    },
)
def forgot_password(body: PasswordForgotten) -> Response[Accepted]:
    sign_in.forgot(email=body.email, phone=body.phone)
    return json_response(202, ACCEPTED)


handler = lambda_handler(app, public=True)
