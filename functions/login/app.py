"""POST /auth/login: sign in with email or phone and a password."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, signed_in
from customer_identity.core.models.accounts import Login, Token

app = create_app()
sign_in = runtime.password_sign_in()


@app.post(
    "/auth/login",
    operation_id="login",
    summary="Sign in with email or phone and password",
    description="One answer (401 invalid_credentials) for an unknown name and a wrong password. After 5 failures "
    "a login name is locked out (429) for 1 minute, doubling with each lockout up to 1 hour.",
    tags=["auth"],
    responses=documented(
        {200: ok("Signed in", Token) | {"headers": SET_COOKIE_HEADER}},
        public=True,
        body=True,
        params=True,
        errors={401: "`invalid_credentials` (or `account_deactivated`)", 429: "`too_many_attempts`"},
    ),
)
def login(body: Login) -> Response[Token]:
    token = sign_in.login(email=body.email, phone=body.phone, password=body.password, client=client(app))
    return signed_in(app, token, refresh_in=body.refresh_in)


handler = lambda_handler(app, public=True)
