"""PUT /me/credentials: set the caller's password, ask for a login email, or confirm one."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, json_response, lambda_handler, ok, principal
from customer_identity.core.models.accounts import CredentialsChange, Me
from customer_identity.core.models.common import Accepted

app = create_app()
credentials = runtime.credentials()


@app.put(
    "/me/credentials",
    operation_id="setCredentials",
    summary="Set your password, ask for a login email, or confirm one with the token sent to it",
    description="A customer must have proved its phone with a sign-in code first. Changing an existing "
    "password or asking for an email needs `current_password` unless the token came from a sign-in code or a "
    "reset token. `email` answers 202 whether or not another account has the address: a confirmation token "
    "goes to that inbox (or, if the address is taken, a notice); `email_token` then makes it your login.",
    tags=["accounts"],
    responses=documented(
        {
            200: ok("Changed", Me),
            202: ok("Confirmation sent (if the address can receive it)", Accepted),
        },
        body=True,
        params=True,
        errors={
            400: "`invalid_token` (the email token is wrong, expired, used or another account's)",
            403: "the phone is not proved yet, or `current_password` is wrong",
            409: "`email_taken` (taken after the token was sent)",
            429: "`too_many_attempts` (wrong `current_password`)",
        },
    ),
)
def set_credentials(body: CredentialsChange) -> Response[Me | Accepted]:
    result = credentials.change(principal(app), body)
    return json_response(202 if isinstance(result, Accepted) else 200, result)


handler = lambda_handler(app)
