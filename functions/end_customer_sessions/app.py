"""DELETE /admin/customers/{ref}/sessions: end every session of a customer (admins; a lost phone)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.sessions import SessionsEnded
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
sign_out = runtime.sign_out()


@app.delete(
    "/admin/customers/<ref>/sessions",
    operation_id="endCustomerSessions",
    summary="End every session of a customer (admins): a lost or stolen phone",
    tags=["admin"],
    responses=documented({200: ok("Ended")}, errors={403: "admins only", 404: "`customer_not_found`"}),
)
def end_customer_sessions(ref: str) -> SessionsEnded:
    require_admin(principal(app))
    return sign_out.end_customer_sessions(path_parameter(app, "ref"))


handler = lambda_handler(app)
