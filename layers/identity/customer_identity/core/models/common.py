"""What every function may answer: the error body, 202 accepted, health."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """What the service answers: every field is always sent (defaults too), so its schema requires them all."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True, defer_build=True)


class Accepted(Answer):
    status: Literal["accepted"] = "accepted"
    message: str


class Health(Answer):
    status: Literal["ok"]


class ErrorDetail(BaseModel):  # built by error_body(): correlation_id only on 500
    model_config = ConfigDict(defer_build=True)

    code: str
    message: str
    field: str | None
    correlation_id: str | None = Field(
        default=None, description="Only on 500 internal: quote it when reporting the problem"
    )


class ErrorBody(BaseModel):
    model_config = ConfigDict(defer_build=True)

    error: ErrorDetail


def error_body(
    code: str, message: str, field: str | None = None, correlation_id: str | None = None
) -> dict[str, dict[str, str | None]]:
    """The one error envelope every answer uses: ``{"error": {"code", "message", "field"}}``."""
    detail: dict[str, str | None] = {"code": code, "message": message, "field": field}
    if correlation_id:
        detail["correlation_id"] = correlation_id
    return {"error": detail}
