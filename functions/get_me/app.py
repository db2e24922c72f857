"""GET /me: the caller's account and, for a customer, its customer profile."""

from customer_identity import runtime
from customer_identity.api import AUTH_RESPONSES, create_app, lambda_handler, principal
from customer_identity.core.models.accounts import Me

app = create_app()
accounts = runtime.accounts_reader()


@app.get(
    "/me", summary="The signed-in account (and its customer, if it is one)", tags=["accounts"], responses=AUTH_RESPONSES
)
def get_me() -> Me:
    return accounts.me(principal(app))


handler = lambda_handler(app)
