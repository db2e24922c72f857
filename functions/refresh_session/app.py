"""POST /auth/refresh: a refresh token in (body or cookie), a new access token and a new refresh token out."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.api_sessions import SET_COOKIE_HEADER, client, refresh_cookie, signed_in
from customer_identity.core.models.accounts import Token
from customer_identity.core.models.sessions import RefreshRequest

app = create_app()
refresh = runtime.refresh()


@app.post(
    "/auth/refresh",
    operation_id="refreshSession",
    summary="Renew a session: a new access token and a new refresh token (the one sent is spent)",
    description='Send `{"refresh_token"}`, or `{}` with the cookie of a cookie-mode sign-in (and an '
    "`X-Requested-With` header). A retry of the token just spent, within a few seconds, gets the same new pair; "
    "a spent token presented later ends the whole session. Every refusal is 401 `session_revoked`.",
    tags=["auth"],
    responses=documented(
        {
            200: ok("Renewed (in cookie mode the new refresh token is the cookie)", Token)
            | {"headers": SET_COOKIE_HEADER}
        },
        public=True,
        body=True,
        params=True,
        errors={
            401: "`session_revoked`: ended, expired, reused or not ours",
            403: "`cross_site_request`: a cookie without the headers a page of ours sends",
        },
    ),
)
def refresh_session(body: RefreshRequest) -> Response[Token]:
    cookie = refresh_cookie(app) if body.refresh_token is None else None
    token = refresh.refresh(body.refresh_token or cookie or "", client(app))
    return signed_in(app, token, refresh_in="cookie" if cookie else "body")


handler = lambda_handler(app, public=True)
