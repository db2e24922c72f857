"""GET /me: the caller's account and, for a customer, its customer profile."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.accounts import Me

app = create_app()
accounts = runtime.accounts_reader()


@app.get(
    "/me",
    operation_id="getMe",
    summary="The signed-in account (and its customer, if it is one)",
    tags=["accounts"],
    responses=documented({200: ok("The account")}),
)
def get_me() -> Me:
    return accounts.me(principal(app))


handler = lambda_handler(app)
