"""The HTTP edge shared by every handler: the resolver, authentication, and the one error mapping.

Handlers build their resolver with :func:`create_app`, declare their route, and export
``handler = lambda_handler(app)``. Authentication happens here, before routing: every handler
except the public ones (``lambda_handler(app, public=True)``: health and ``/auth/*``) needs a valid
bearer token, and its route reads the caller with :func:`principal`.

Every error leaves through :func:`error_response`, in one shape: domain errors by the status
table below; throttling and other transient storage errors as 503 ``busy`` with ``Retry-After``;
anything else as 500 ``internal`` with a correlation id, logged once with its stack, the same
locally and in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from customer_identity import bodies, runtime
from customer_identity.core import errors
from customer_identity.core.models.common import ErrorBody, error_body
from customer_identity.core.observability import logger, metrics, tracer
from customer_identity.storage.table import is_transient
from customer_identity.use_cases.sign_in.tokens import Principal, bearer_token

# The status of each kind of domain error (the most specific class wins).
STATUS: dict[type[errors.DomainError], int] = {
    errors.DomainError: 400,
    errors.InvalidInput: 422,
    errors.InvalidCursor: 400,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Unauthenticated: 401,
    errors.InvalidResetToken: 400,
    errors.Forbidden: 403,
    errors.TooManyRequests: 429,
    errors.Unavailable: 503,
}
AUTHENTICATE = {"WWW-Authenticate": 'Bearer realm="customer-identity"'}


def status_of(error: errors.DomainError) -> int:
    return next(STATUS[cls] for cls in type(error).__mro__ if cls in STATUS)


# --- what routes document (docs/openapi.json is generated from these) -------------------------

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
_AUTHENTICATE = {
    "WWW-Authenticate": {"description": '`Bearer realm="customer-identity"`', "schema": {"type": "string"}}
}
_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("Malformed: `malformed_json` (not JSON, not an object, nested too deep)", {}),
    401: ("Not signed in: missing, invalid, expired or revoked token", _AUTHENTICATE),
    403: ("Your role may not do this", {}),
    404: ("Not found", {}),
    409: ("Conflicts with the current state", {}),
    413: (f"`payload_too_large`: the body is over {bodies.MAX_BODY_BYTES} bytes", {}),
    415: ("`unsupported_media_type`: the body is not `application/json`", {}),
    422: ("A field is invalid (`invalid_<field>`, `missing_field`, `unknown_field`); `error.field` names it", {}),
    429: ("Too many requests: retry after `Retry-After` seconds", _RETRY_AFTER),
    503: ("`busy` (contention or throttling; nothing was changed): retry after `Retry-After` seconds", _RETRY_AFTER),
}


def ok(description: str, model: type[BaseModel] | None = None) -> dict[str, Any]:
    """A success answer: ``model``'s JSON, or without one the route's return type."""
    return {"description": description} | ({"content": {"application/json": {"model": model}}} if model else {})


def documented(
    success: dict[int, dict[str, Any]],
    *,
    public: bool = False,
    body: bool = False,
    params: bool = False,
    storage: bool = True,
    errors: dict[int, str] | None = None,
) -> dict[int, dict[str, Any]]:
    """A route's ``responses=``: its successes and every error status it can answer, all as :class:`ErrorBody`.

    ``body``: a POST, PUT or PATCH (the edge refuses bodies: 400, 413, 415); ``params``: the route
    validates a body, query or header (422); not ``public``: a token is checked (401); ``storage``:
    DynamoDB is used (503). ``errors`` adds statuses (403, 404, 409, 429...) with their codes.
    """
    statuses: dict[int, str | None] = dict.fromkeys(
        [*([400, 413, 415] if body else []), *([422] if params else []), *([] if public else [401])]
        + ([503] if storage else [])
    )
    statuses.update(errors or {})
    answers = dict(success)
    for status, detail in sorted(statuses.items()):
        generic, headers = _ERRORS[status]
        description = f"{generic}; {detail}" if detail and status in (400, 422) else detail or generic
        answers[status] = {"description": description, "content": {"application/json": {"model": ErrorBody}}}
        if headers:
            answers[status]["headers"] = headers
    return answers


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    correlation_id: str | None = None,
) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=error_body(code, message, field, correlation_id),
        headers=headers,
    )


def json_response(status: int, model: BaseModel) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=model.model_dump(mode="json"))


def domain_error_response(error: errors.DomainError) -> Response:
    status = status_of(error)
    headers: dict[str, str] = {}
    if isinstance(error, errors.TooManyRequests | errors.Unavailable):
        headers["Retry-After"] = str(error.retry_after)
    if status == 401:
        headers.update(AUTHENTICATE)
    if status >= 500:
        logger.warning("request failed", extra={"error_code": error.code})
    return error_response(status, error.code, error.message, error.field, headers or None)


def unexpected_error_response(error: Exception) -> Response:
    """503 ``busy`` for throttling and other transient failures, else 500 ``internal`` (logged with its stack)."""
    if is_transient(error):
        logger.warning("storage busy", extra={"error_type": type(error).__name__})
        return domain_error_response(errors.Busy("the service is busy; nothing was changed, retry shortly"))
    correlation_id = logger.get_correlation_id() or None
    logger.exception("unexpected error", extra={"error_type": type(error).__name__})
    return error_response(
        500,
        "internal",
        "something went wrong on our side; nothing more is known to you than this id",
        correlation_id=correlation_id,
    )


def _field_of(location: tuple[Any, ...]) -> str | None:
    parts = (
        [str(part) for part in location[1:]] if location and location[0] in {"body", "query", "path", "header"} else []
    )
    return ".".join(parts) or (str(location[1]) if len(location) > 1 else None)


def _validation_error(error: RequestValidationError) -> Response:
    first = error.errors()[0] if error.errors() else {}
    kind, location = first.get("type", ""), tuple(first.get("loc", ()))
    if kind == "json_invalid":
        return error_response(400, "malformed_json", "request body is not valid JSON", None)
    if kind in {"model_attributes_type", "dict_type"} and len(location) <= 1:
        return error_response(400, "malformed_json", "request body must be a JSON object", None)
    field = _field_of(location)
    if field == "cursor":  # opaque: too long is just another cursor this API did not issue
        return domain_error_response(errors.InvalidCursor())
    if kind == "missing":
        code, message = "missing_field", f"{field} is required" if field else "a JSON request body is required"
    elif kind == "extra_forbidden":
        code, message = "unknown_field", f"{field} is not a field of this request"
    else:
        code = f"invalid_{(field or 'input').split('.')[0]}"
        # Our own rules (ValueError in a validator) read as written, without pydantic's "Value error, ".
        reason = first.get("ctx", {}).get("error") if kind == "value_error" else None
        message = f"{field}: {reason or first.get('msg', 'invalid value')}"
    return error_response(422, code, message, field)


# What the browser frontends use: these methods, and these request headers beyond Powertools' own
# (Authorization, Content-Type, X-Amz-*, X-Api-Key); no credentials (tokens travel in Authorization).
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CORS_HEADERS = ["Idempotency-Key", "X-Requested-With"]
CORS_MAX_AGE_SECONDS = 600


def cors_config() -> CORSConfig | None:
    """CORS for the configured origins only (``ALLOWED_ORIGINS``); None when there are none."""
    origins = runtime.config().cors_origins
    if not origins:
        return None
    return CORSConfig(
        allow_origin=origins[0],
        extra_origins=list(origins[1:]),
        allow_headers=CORS_HEADERS,
        expose_headers=["Retry-After"],
        max_age=CORS_MAX_AGE_SECONDS,
        allow_credentials=False,
    )


def _cors_headers(event: dict[str, Any], cors: CORSConfig | None) -> dict[str, str]:
    """The CORS headers for this request's ``Origin``: none unless it is an allowed origin."""
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    return cors.to_dict(cors.allowed_origin(headers.get("origin"))) if cors else {}


def preflight_handler(event: dict[str, Any], _: LambdaContext) -> dict[str, Any]:
    """``OPTIONS`` on any route: 204, with CORS headers only for an allowed origin."""
    headers = _cors_headers(event, cors_config())
    if headers:
        headers["Access-Control-Allow-Methods"] = ",".join(CORS_METHODS)
    return {"statusCode": 204, "headers": headers | {"Vary": "Origin"}, "body": ""}


def create_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True, cors=cors_config())

    @app.exception_handler(errors.DomainError)
    def _domain_error(error: errors.DomainError) -> Response:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        return _validation_error(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:  # only if a route bypassed the edge's check
        return _refused(bodies.UNSUPPORTED)

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        return unexpected_error_response(error)

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(404, "route_not_found", "no such route", None)

    return app


def lambda_handler(
    app: APIGatewayRestResolver, *, public: bool = False
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point for ``app``: structured logs, traces and metrics around ``resolve``.

    Unless ``public``, the bearer token is verified first (a staff token also against its account:
    deactivated or changed since issued is refused); without a valid one the answer is 401 before
    any validation or other data access. Then a body is refused unless it is JSON by its content
    type, at most ``bodies.MAX_BODY_BYTES`` and ``bodies.MAX_DEPTH`` deep (415, 413, 400), before
    anything parses it. Nothing escapes as an unhandled exception.
    """
    cors = cors_config()  # read at cold start, as ``create_app`` does

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False, capture_error=False)  # responses hold tokens and PII
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        answer = _answer(event, context)
        # Answers the edge gives before routing (401, 413, 415, 500) carry CORS headers too.
        answer.setdefault("headers", {}).update(_cors_headers(event, cors))
        return answer

    def _answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            if not public:
                token = bearer_token(event.get("headers"))
                try:
                    if token is None:
                        raise errors.Unauthenticated()
                    caller = runtime.sessions().authenticate(token)  # staff: one GetItem of the account
                except errors.Unauthenticated as error:
                    return _proxy_response(domain_error_response(error))
                app.append_context(principal=caller)
            refused = bodies.refusal(event)
            if refused is not None:
                return _proxy_response(_refused(refused))
            return app.resolve(event, context)
        except Exception as error:  # noqa: BLE001 - the last resort: one shape for every failure
            return _proxy_response(unexpected_error_response(error))

    handler.requires_token = not public  # type: ignore[attr-defined]
    return handler


def step_handler(
    step: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point of a state machine's task: the state's input in, its result out.

    Failures are logged once with their stack and raised, so Step Functions retries or fails the state.
    """

    @logger.inject_lambda_context(log_event=False)
    @tracer.capture_lambda_handler(capture_response=False, capture_error=False)  # errors may quote rows
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            return step(event)
        except Exception:
            logger.exception("step failed")
            raise

    return handler


def _refused(refusal: bodies.Refusal) -> Response:
    return error_response(refusal.status, refusal.code, refusal.message)


def _proxy_response(response: Response) -> dict[str, Any]:
    """A REST proxy response for a request answered outside the resolver."""
    headers = {"Content-Type": content_types.APPLICATION_JSON, **response.headers}
    return {
        "statusCode": response.status_code,
        "multiValueHeaders": {name: [value] if isinstance(value, str) else value for name, value in headers.items()},
        "body": json.dumps(response.body) if not isinstance(response.body, str) else response.body,
        "isBase64Encoded": False,
    }


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller of the current request (set by :func:`lambda_handler` from its token)."""
    caller = app.context.get("principal")
    if not isinstance(caller, Principal):
        raise errors.Unauthenticated()
    return caller


def source_ip(app: APIGatewayRestResolver) -> str:
    """The client's IP as API Gateway saw it (``requestContext.identity.sourceIp``)."""
    return app.current_event.request_context.identity.source_ip


def path_parameter(app: APIGatewayRestResolver, name: str) -> str:
    """A path parameter as API Gateway decoded it (REST events keep ``path`` percent-encoded)."""
    return (app.current_event.path_parameters or {}).get(name, "")
