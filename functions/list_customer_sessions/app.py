"""GET /admin/customers/{ref}/sessions: where a customer is signed in (admins)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.sessions import SessionList
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
sign_out = runtime.sign_out()


@app.get(
    "/admin/customers/<ref>/sessions",
    operation_id="listCustomerSessions",
    summary="A customer's live sessions, newest first (admins): what DELETE on the same path ends",
    tags=["admin"],
    responses=documented(
        {200: ok("The customer's live sessions")}, errors={403: "admins only", 404: "`customer_not_found`"}
    ),
)
def list_customer_sessions(ref: str) -> SessionList:
    require_admin(principal(app))
    return sign_out.customer_sessions(path_parameter(app, "ref"))


handler = lambda_handler(app)
