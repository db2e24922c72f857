"""MongoDB Extended JSON (relaxed and canonical, as mongoexport writes it) to plain Python values.

Numbers are read exactly: JSON numbers with a fraction and ``{"$numberDecimal"}`` become
:class:`~decimal.Decimal`; ``{"$oid"}`` becomes its hex string; ``{"$date"}`` (ISO text or
``{"$numberLong": epoch ms}``) becomes an aware UTC :class:`~datetime.datetime`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class NotJson(ValueError):
    """The line is not a JSON object."""


def parse_line(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line, parse_float=Decimal)
    except (json.JSONDecodeError, RecursionError) as error:
        raise NotJson(str(error)) from error
    if not isinstance(value, dict):
        raise NotJson("the line is not a JSON object")
    return unwrap(value)


def unwrap(value: Any) -> Any:
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key == "$oid" and isinstance(inner, str):
            return inner.lower()
        if key == "$date":
            return parse_date(inner)
        if key == "$numberDecimal" and isinstance(inner, str):
            return _decimal(inner)
        if key in {"$numberLong", "$numberInt"} and isinstance(inner, str | int):
            return int(inner)
        if key == "$numberDouble" and isinstance(inner, str):
            return _decimal(inner)
    return {key: unwrap(inner) for key, inner in value.items()}


def _decimal(text: str) -> Decimal | str:
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def parse_date(value: Any) -> datetime | None:
    """``{"$date": …}``'s payload, an ISO 8601 string, ``YYYY-MM-DD HH:MM:SS`` (UTC) or epoch ms."""
    if isinstance(value, dict):
        value = unwrap(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        return parsed.replace(tzinfo=parsed.tzinfo or UTC).astimezone(UTC)
    return None


def object_id_time(object_id: str) -> datetime | None:
    """The creation time embedded in a Mongo ObjectId (its first 4 bytes)."""
    if len(object_id) != 24:
        return None
    try:
        return datetime.fromtimestamp(int(object_id[:8], 16), UTC)
    except ValueError:
        return None
