"""PUT /me/credentials: set or change the caller's login email and/or password."""

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, ERROR_RESPONSES, create_app, lambda_handler, principal
from customer_identity.core.models import CredentialsChange, Me

app = create_app()
credentials = runtime.credentials()


@app.put(
    "/me/credentials",
    summary="Set or change your login email and/or password",
    description="A customer must have proved its phone with a sign-in code first. Changing an existing "
    "password needs `current_password` unless the token came from a sign-in code or a reset token.",
    tags=["accounts"],
    responses={409: ERROR_RESPONSES[422] | {"description": "email_taken"}, **ERROR_RESPONSES, **AUTH_RESPONSES},
)
def set_credentials(body: CredentialsChange) -> Me:
    return credentials.change(principal(app), body)


handler = lambda_handler(app)
