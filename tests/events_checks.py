"""What every test that sees change events checks: each is valid against its schema in
events/schemas, and none holds a secret."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema

from devserver.event_schemas import SCHEMA_DIR

SECRET_NAMES = ("password", "hash", "token", "code", "secret")


@cache
def validator(event_type: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / f"{event_type}.json").read_text()))


def names_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {name for child in value.values() for name in names_in(child)}
    if isinstance(value, list):
        return {name for child in value for name in names_in(child)}
    return set()


def check_events(events: list[dict[str, Any]]) -> None:
    for event in events:
        validator(event["type"]).validate(event)
        leaked = {name for name in names_in(event) if any(secret in name for secret in SECRET_NAMES)}
        assert not leaked, (event["type"], leaked)
