"""DELETE /me/sessions/{session_id}: end one of the caller's sessions."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, path_parameter, principal
from customer_identity.core.models.sessions import SessionsEnded

app = create_app()
sign_out = runtime.sign_out()


@app.delete(
    "/me/sessions/<session_id>",
    operation_id="endSession",
    summary="End one of your sessions (e.g. a lost device); its tokens stop working at once",
    tags=["accounts"],
    responses=documented({200: ok("Ended")}, errors={404: "`session_not_found`: none of your live sessions"}),
)
def end_session(session_id: str) -> SessionsEnded:
    return sign_out.end(principal(app), path_parameter(app, "session_id"))


handler = lambda_handler(app)
