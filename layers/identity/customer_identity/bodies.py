"""What a request body must be before anyone parses it: JSON by its content type, small, shallow.

:func:`refusal` runs at the HTTP edge before routing, so no parser ever sees a body that could
exhaust it (a ``[[[…]]]`` 100,000 deep makes ``json.loads`` raise ``RecursionError``), and a form
post from another site (which needs no CORS preflight) is never read at all.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

# The largest legitimate body (a booking with every text at its longest, every character an emoji
# written as a \\u escape pair, as Python's json.dumps does by default) is under 19 KiB.
MAX_BODY_BYTES = 32 * 1024
# Our bodies nest 2 levels at most; anything deeper is not for us.
MAX_DEPTH = 16
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON = "application/json"

# A string (to its closing quote, or to the end when there is none) or a bracket: one linear pass.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)
_CHARSET = re.compile(r"""^charset\s*=\s*"?utf-?8"?$""", re.IGNORECASE)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


UNSUPPORTED = Refusal(
    415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json; charset=utf-8)"
)


def is_json_content_type(value: str | None) -> bool:
    """``application/json`` in any case, with at most a UTF-8 ``charset`` parameter."""
    media_type, *parameters = (value or "").split(";")
    if media_type.strip().lower() != JSON:
        return False
    return all(_CHARSET.match(parameter.strip()) for parameter in parameters if parameter.strip())


def nesting_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    for token in _TOKEN.finditer(text):
        if token.group() in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token.group() in ("]", "}"):
            depth -= 1
    return deepest


def refusal(event: MutableMapping[str, Any]) -> Refusal | None:
    """Why the body of this API Gateway event must not be parsed, or None (then its content type is normalised)."""
    if str(event.get("httpMethod") or "").upper() not in BODY_METHODS or not event.get("body"):
        return None  # nothing to parse (a POST without a body, e.g. an undo, needs no content type)
    names = [name for name in event.get("headers") or {} if name.lower() == "content-type"]
    multi = event.get("multiValueHeaders") or {}
    values = [value for name in multi if name.lower() == "content-type" for value in multi[name] or ()]
    if len(names) != 1 or len(values) > 1 or not is_json_content_type(event["headers"][names[0]]):
        return UNSUPPORTED  # none, several, or not JSON
    body = event.get("body") or ""
    if len(body) > MAX_BODY_BYTES * 2:  # base64 or not, certainly too large: do not even decode it
        return _too_large()
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return Refusal(400, "malformed_json", "request body is not valid UTF-8 JSON")
    if len(body.encode("utf-8", errors="surrogatepass")) > MAX_BODY_BYTES:
        return _too_large()
    if nesting_depth(body) > MAX_DEPTH:
        return Refusal(400, "malformed_json", f"request body nests deeper than {MAX_DEPTH} levels")
    # The resolver's parser only knows the lower-case spelling: hand it the one we accepted.
    event["headers"][names[0]] = JSON
    for name in [name for name in multi if name.lower() == "content-type"]:
        multi[name] = [JSON]
    return None


def _too_large() -> Refusal:
    return Refusal(413, "payload_too_large", f"request body is larger than {MAX_BODY_BYTES} bytes")
