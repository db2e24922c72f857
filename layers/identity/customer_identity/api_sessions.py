"""The HTTP side of sessions: the client a session records, the refresh-token cookie, and its CSRF check.

A sign-in may ask for its refresh token as a cookie (``"refresh_in": "cookie"``): ``refresh_token``
is then null in the body and the answer sets ``refresh_token=…; HttpOnly; Secure; SameSite=Strict;
Path=<stage>/auth`` (only the ``/auth`` routes ever receive it, and only ``/auth/refresh`` and
``/auth/logout`` read it). A request that presents the cookie must also show that a page of ours
sent it: an ``X-Requested-With`` header (a cross-site form cannot set one, and a cross-origin script
cannot without a CORS preflight we do not grant), no ``Sec-Fetch-Site: cross-site``, and an
``Origin``, when sent, that is this API's own or one of ``ALLOWED_ORIGINS``; else 403
``cross_site_request``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from pydantic import BaseModel

from customer_identity import runtime
from customer_identity.api import source_ip
from customer_identity.core.errors import CrossSiteRefused
from customer_identity.use_cases.sign_in.session_store import Client

REFRESH_COOKIE = "refresh_token"
CSRF_HEADER = "X-Requested-With"
CLEAR_COOKIE_HEADER = {
    "Set-Cookie": {
        "description": "When the session was named by the cookie: the cookie cleared (`Max-Age=0`)",
        "schema": {"type": "string"},
    }
}
SET_COOKIE_HEADER = {
    "Set-Cookie": {
        "description": "In cookie mode only: the refresh token (`HttpOnly; Secure; SameSite=Strict; Path=/auth`)",
        "schema": {"type": "string"},
    }
}


def _headers(app: APIGatewayRestResolver) -> dict[str, str]:
    return {name.lower(): value for name, value in (app.current_event.headers or {}).items()}


def client(app: APIGatewayRestResolver) -> Client:
    """The user agent and the (coarse) address of this request's client."""
    return Client.of(_headers(app).get("user-agent"), source_ip(app))


def cookie_path(app: APIGatewayRestResolver) -> str:
    """``/auth`` as the client sees it: under the stage on an execute-api URL (``/<stage>/auth``), else
    (a custom domain, the local server) ``/auth``."""
    if _headers(app).get("host", "").endswith(".amazonaws.com"):
        seen = app.current_event.request_context.path or ""
        routed = app.current_event.path or ""
        if routed and seen.endswith(routed):
            return f"{seen[: -len(routed)]}/auth"
    return "/auth"


def signed_in(app: APIGatewayRestResolver, answer: BaseModel, *, refresh_in: str, status: int = 200) -> Response:
    """``status`` with ``answer``; in cookie mode its ``refresh_token`` goes into the cookie, never the body."""
    body = answer.model_dump(mode="json")
    cookies = []
    if refresh_in == "cookie":
        token, body["refresh_token"] = body["refresh_token"], None
        cookies.append(_cookie(app, token, int(body["refresh_expires_in"])))
    return Response(status, content_types.APPLICATION_JSON, body, cookies=cookies)


def ended(app: APIGatewayRestResolver, answer: BaseModel, *, clear_cookie: bool) -> Response:
    """200 with ``answer``; the cookie is cleared when the session it names has ended."""
    cookies = [_cookie(app, "", 0)] if clear_cookie else []
    return Response(200, content_types.APPLICATION_JSON, answer.model_dump(mode="json"), cookies=cookies)


def _cookie(app: APIGatewayRestResolver, value: str, max_age: int) -> Cookie:
    return Cookie(
        name=REFRESH_COOKIE,
        value=value,
        path=cookie_path(app),
        secure=True,
        http_only=True,
        max_age=max_age,
        same_site=SameSite.STRICT_MODE,
    )


def refresh_cookie(app: APIGatewayRestResolver) -> str | None:
    """The refresh token the cookie carries, after the CSRF check; None without the cookie."""
    found = None
    for header in _cookie_headers(app.current_event.raw_event):
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == REFRESH_COOKIE and value:
                found = value
    if found is not None:
        check_same_site(app)
    return found


def _cookie_headers(event: dict[str, Any]) -> list[str]:
    single = [value for name, value in (event.get("headers") or {}).items() if name.lower() == "cookie"]
    multi = [
        value
        for name, values in (event.get("multiValueHeaders") or {}).items()
        if name.lower() == "cookie"
        for value in values or ()
    ]
    return multi or single


def check_same_site(app: APIGatewayRestResolver) -> None:
    """Refuse (403) a cookie-carrying request that a page of another site could have made."""
    headers = _headers(app)
    if not headers.get(CSRF_HEADER.lower(), "").strip():
        raise CrossSiteRefused(CSRF_HEADER)
    if headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        raise CrossSiteRefused("Sec-Fetch-Site")
    origin = headers.get("origin", "").strip()
    if origin and origin not in _own_origins(headers):  # "null" (a sandboxed page, a file) included
        raise CrossSiteRefused("Origin")


def _own_origins(headers: dict[str, str]) -> set[str]:
    """This API's origin (its ``Host``, either scheme) and the configured frontends."""
    host = headers.get("host", "")
    return {f"{scheme}://{host}" for scheme in ("https", "http") if host} | set(runtime.config().cors_origins)
