"""POST /auth/logout: end this session (named by the bearer token, the refresh token or its cookie), or all."""

from aws_lambda_powertools.event_handler import Response

from customer_identity import runtime
from customer_identity.api import bearer_token, create_app, documented, lambda_handler, ok
from customer_identity.api_sessions import CLEAR_COOKIE_HEADER, ended, refresh_cookie
from customer_identity.core.models.sessions import Logout, SessionsEnded

app = create_app()
sign_out = runtime.sign_out()


@app.post(
    "/auth/logout",
    operation_id="logout",
    summary="Sign out: end this session, or with `everywhere` every session of the account",
    description="The session is the bearer token's (even an expired token), else the `refresh_token` sent, else "
    "the cookie's (with an `X-Requested-With` header). Its access token is refused from the next request on.",
    tags=["auth"],
    responses=documented(
        {200: ok("Ended (`ended`: 0 if it had ended already)", SessionsEnded) | {"headers": CLEAR_COOKIE_HEADER}},
        public=True,
        body=True,
        params=True,
        errors={
            401: "no token naming a session; `session_revoked` for `everywhere` from an ended session",
            403: "`cross_site_request`: a cookie without the headers a page of ours sends",
        },
    ),
)
def logout(body: Logout) -> Response[SessionsEnded]:
    access = bearer_token(app.current_event.headers)
    cookie = refresh_cookie(app) if access is None and body.refresh_token is None else None
    result = sign_out.logout(
        access_token=access, refresh_token=body.refresh_token or cookie, everywhere=body.everywhere
    )
    return ended(app, result, clear_cookie=cookie is not None)


handler = lambda_handler(app, public=True)
