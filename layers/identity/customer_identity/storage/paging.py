"""Opaque page cursors: the last item's key, bound to the query it came from."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from typing import Any

from customer_identity.core.errors import InvalidCursor


def encode_cursor(query_id: str, key: dict[str, str]) -> str:
    payload = json.dumps({"q": query_id, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, query_id: str, key_attrs: Sequence[str]) -> dict[str, Any]:
    """The ``ExclusiveStartKey`` in ``cursor``, or :class:`InvalidCursor` if it is not one of ours."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = payload["k"]
        valid = (
            payload["q"] == query_id and set(key) == set(key_attrs) and all(isinstance(v, str) for v in key.values())
        )
    except (ValueError, KeyError, TypeError, binascii.Error):
        valid = False
    if not valid:
        raise InvalidCursor()
    return {name: {"S": value} for name, value in key.items()}


def page_of[T](
    results: Iterable[object], cls: type[T], *, limit: int, query_id: str, key_attrs: Sequence[str]
) -> tuple[list[T], str | None]:
    """The first ``limit`` items of a query run with ``limit + 1``, and the cursor to the rest (None at the end)."""
    items = [item for item in results if isinstance(item, cls)]
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, encode_cursor(query_id, {name: getattr(items[-1], name) for name in key_attrs})


# A page merged from several queries (streams) carries one position per stream: ``{}`` not started,
# a key to resume after, or None when the stream is used up.
type Positions = dict[str, dict[str, str] | None]


def encode_positions(query_id: str, positions: Positions) -> str:
    payload = json.dumps({"q": query_id, "p": positions}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_positions(cursor: str, query_id: str, streams: dict[str, Sequence[str]]) -> Positions:
    """The positions in ``cursor`` (``streams`` names each stream's key attributes), or :class:`InvalidCursor`."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        positions = payload["p"]
        valid = payload["q"] == query_id and set(positions) == set(streams)
        for name, key in positions.items() if valid else ():
            valid = valid and (
                key is None
                or key == {}
                or (set(key) == set(streams[name]) and all(isinstance(v, str) for v in key.values()))
            )
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        valid = False
    if not valid:
        raise InvalidCursor()
    return positions
