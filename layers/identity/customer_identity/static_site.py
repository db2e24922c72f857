"""The console's static files, served by a function of the API itself (same origin, no CORS).

The files ship inside the function's code folder; they are read once at cold start into memory
(a few dozen KB of text), so a request is a dictionary look-up: a path that is not one of those
files is 404, whatever it holds (no path is ever joined to the file system at request time).
Every answer carries the console's headers: a Content-Security-Policy with no inline script or
style, no framing, no MIME sniffing, no referrer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE = "/console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated each time: a deploy is seen at once
}


def load_files(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every servable file under ``root`` by its path below ``/console/`` (``index.html``, ``js/app.js``)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in CONTENT_TYPES:
            found[path.relative_to(root).as_posix()] = (CONTENT_TYPES[path.suffix], path.read_bytes())
    return found


_ORIGIN = re.compile(r"^https://[a-z0-9.-]+$")


def security_headers(upload_origin: str | None) -> dict[str, str]:
    """The headers; ``upload_origin`` (deployed: the backfill bucket's ``https://`` origin, to which the
    console PUTs an export through presigned links) is the one other origin the page may connect to."""
    if not upload_origin:
        return SECURITY_HEADERS
    if not _ORIGIN.match(upload_origin):
        raise ValueError(f"CONSOLE_UPLOAD_ORIGIN must be an https:// origin, not {upload_origin!r}")
    policy = CSP.replace("connect-src 'self'", f"connect-src 'self' {upload_origin}")
    return SECURITY_HEADERS | {"Content-Security-Policy": policy}


def site_handler(code_file: str, folder: str = "console") -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda handler serving the files in ``folder`` next to ``code_file`` (the function's ``app.py``).

    ``CONSOLE_UPLOAD_ORIGIN`` (set by the template: the backfill bucket's origin) is read here, once,
    rather than through ``core.settings``: this function imports nothing else of the layer."""
    files = load_files(Path(code_file).resolve().parent / folder)
    headers_of_every_answer = security_headers(os.environ.get("CONSOLE_UPLOAD_ORIGIN"))

    def _answer(status: int, headers: dict[str, str], body: str) -> dict[str, Any]:
        return {
            "statusCode": status,
            "headers": headers_of_every_answer | headers,
            "body": body,
            "isBase64Encoded": False,
        }

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if event.get("httpMethod") not in {"GET", "HEAD"}:
            return _answer(405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, "method not allowed\n")
        name = (event.get("pathParameters") or {}).get("proxy") or ""
        if not name and not (event.get("path") or "").endswith("/"):
            # Relative asset paths need the trailing slash; relative, so a stage prefix is kept.
            return _answer(301, {"Location": "console/", "Content-Type": "text/plain"}, "moved to console/\n")
        content_type, body = files.get(name or "index.html", ("", b""))
        if not content_type:
            return _answer(404, {"Content-Type": "text/plain; charset=utf-8"}, "no such page in the console\n")
        text = "" if event["httpMethod"] == "HEAD" else body.decode()
        return _answer(200, {"Content-Type": content_type}, text)

    handler.requires_token = False  # type: ignore[attr-defined]
    return handler
