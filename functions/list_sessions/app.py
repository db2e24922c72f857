"""GET /me/sessions: the caller's live sessions, the current one marked."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.sessions import SessionList

app = create_app()
sign_out = runtime.sign_out()


@app.get(
    "/me/sessions",
    operation_id="listSessions",
    summary="Where you are signed in: your live sessions, newest first (`current`: this request's)",
    tags=["accounts"],
    responses=documented({200: ok("Your live sessions")}),
)
def list_sessions() -> SessionList:
    return sign_out.sessions(principal(app))


handler = lambda_handler(app)
