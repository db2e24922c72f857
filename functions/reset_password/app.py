"""POST /auth/password/reset: set a new password with a reset token (once)."""

from customer_identity import runtime
from customer_identity.api import ERROR_RESPONSES, create_app, lambda_handler
from customer_identity.core.models.accounts import PasswordReset, Token

app = create_app()
sign_in = runtime.password_sign_in()


@app.post(
    "/auth/password/reset",
    summary="Set a new password with a reset token; returns a token for the account",
    tags=["auth"],
    responses={400: ERROR_RESPONSES[422] | {"description": "invalid_token: wrong, expired or used"}, **ERROR_RESPONSES},
)
def reset_password(body: PasswordReset) -> Token:
    return sign_in.reset(body.token, body.password)


handler = lambda_handler(app, public=True)
