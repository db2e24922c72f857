"""POST /auth/password/reset: set a new password with a reset token (once)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.core.models.accounts import PasswordReset, Token

app = create_app()
sign_in = runtime.password_sign_in()


@app.post(
    "/auth/password/reset",
    operation_id="resetPassword",
    summary="Set a new password with a reset token; returns a token for the account",
    tags=["auth"],
    responses=documented(
        {200: ok("Password set; a token for the account")},
        public=True,
        body=True,
        params=True,
        errors={400: "`invalid_token`: wrong, expired or used", 401: "`account_deactivated`"},
    ),
)
def reset_password(body: PasswordReset) -> Token:
    return sign_in.reset(body.token, body.password)


handler = lambda_handler(app, public=True)
