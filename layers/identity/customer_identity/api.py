"""HTTP wiring shared by every handler: the resolver, the one error shape, Powertools utilities.

Handlers build their resolver with :func:`create_app`, declare their route, and export
``handler = lambda_handler(app)``; everything else lives here or deeper in the layer.

Authentication happens here, in one place, before routing: every handler except the public ones
(``lambda_handler(app, public=True)``: health and ``/auth/*``) needs a valid bearer token, and its
route reads the caller with :func:`principal`. What the caller may do is decided in ``access.py``.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from customer_identity.errors import DomainError, Unauthenticated
from customer_identity.models import ErrorBody
from customer_identity.redaction import RedactingFilter
from customer_identity.tokens import Principal, bearer_token

logger = Logger()
logger.addFilter(RedactingFilter())
tracer = Tracer()
metrics = Metrics()
# Routes add metrics only for business events; an invocation without one is normal, not a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")

# Responses every route documents in the OpenAPI file.
ERROR_RESPONSES: dict[int, dict[str, Any]] = {
    400: {"description": "Malformed request (JSON, cursor)", "content": {"application/json": {"model": ErrorBody}}},
    422: {
        "description": "A field is invalid; `error.field` names it",
        "content": {"application/json": {"model": ErrorBody}},
    },
}
AUTH_RESPONSES: dict[int, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired token", "content": {"application/json": {"model": ErrorBody}}},
    403: {"description": "Your role may not do this", "content": {"application/json": {"model": ErrorBody}}},
}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": {"code": code, "message": message, "field": field}},
        headers=headers,
    )


def json_response(status: int, model: BaseModel) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=model.model_dump(mode="json"))


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
    if kind == "missing":
        code, message = "missing_field", f"{field} is required"
    elif kind == "extra_forbidden":
        code, message = "unknown_field", f"{field} is not a field of this request"
    else:
        code = f"invalid_{(field or 'input').split('.')[0]}"
        message = f"{field}: {first.get('msg', 'invalid value')}"
    return error_response(HTTPStatus.UNPROCESSABLE_ENTITY, code, message, field)


def _is_json_body(event: Any) -> bool:
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    return not event.body or "json" in headers.get("content-type", "").lower()


def create_app() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        if error.status >= 500:
            logger.warning("request failed", extra={"error_code": error.code})
        return error_response(error.status, error.code, error.message, error.field, getattr(error, "headers", None))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        if not _is_json_body(app.current_event):  # e.g. curl's default form content type
            return error_response(
                415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
            )
        return _validation_error(error)

    @app.not_found
    def _no_route(_: Exception) -> Response:
        return error_response(404, "route_not_found", "no such route", None)

    return app


def lambda_handler(
    app: APIGatewayRestResolver, *, public: bool = False
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point for ``app``: structured logs, traces and metrics around ``resolve``.

    Unless ``public``, the bearer token is verified first; without a valid one the answer is 401
    before any validation or data access.
    """

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if not public:
            from customer_identity.runtime import tokens

            try:
                token = bearer_token(event.get("headers"))
                if token is None:
                    raise Unauthenticated()
                caller = tokens().verify(token)
            except Unauthenticated as error:
                return _unauthenticated(error)
            app.append_context(principal=caller)
        return app.resolve(event, context)

    handler.requires_token = not public  # type: ignore[attr-defined]
    return handler


def _unauthenticated(error: Unauthenticated) -> dict[str, Any]:
    """A REST proxy response for a request turned away before routing."""
    body = {"error": {"code": error.code, "message": error.message, "field": error.field}}
    headers = {"Content-Type": content_types.APPLICATION_JSON, **error.headers}
    return {
        "statusCode": error.status,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


def principal(app: APIGatewayRestResolver) -> Principal:
    """The caller of the current request (set by :func:`lambda_handler` from its token)."""
    caller = app.context.get("principal")
    if not isinstance(caller, Principal):
        raise Unauthenticated()
    return caller


def path_parameter(app: APIGatewayRestResolver, name: str) -> str:
    """A path parameter as API Gateway decoded it (REST events keep ``path`` percent-encoded)."""
    return (app.current_event.path_parameters or {}).get(name, "")
