"""GET /me: the caller's account and, for a customer, its customer profile."""

from customer_identity.api import AUTH_RESPONSES, create_app, lambda_handler, principal
from customer_identity.models import Me
from customer_identity.runtime import account_service

app = create_app()
accounts = account_service()


@app.get(
    "/me", summary="The signed-in account (and its customer, if it is one)", tags=["accounts"], responses=AUTH_RESPONSES
)
def get_me() -> Me:
    return accounts.me(principal(app))


handler = lambda_handler(app)
