"""POST /auth/password/reset: set a new password with a reset token (once)."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, signed_in
from customer_identity.core.models.accounts import PasswordReset, Token

app = create_app()
sign_in = runtime.password_sign_in()


@app.post(
    "/auth/password/reset",
    operation_id="resetPassword",
    summary="Set a new password with a reset token; signs in and ends every other session of the account",
    tags=["auth"],
    responses=documented(
        {200: ok("Password set; signed in", Token) | {"headers": SET_COOKIE_HEADER}},
        public=True,
        body=True,
        params=True,
        errors={400: "`invalid_token`: wrong, expired or used", 401: "`account_deactivated`"},
    ),
)
def reset_password(body: PasswordReset) -> Response[Token]:
    return signed_in(app, sign_in.reset(body.token, body.password, client(app)), refresh_in=body.refresh_in)


handler = lambda_handler(app, public=True)
