"""``GET /dev/exports/<name>.csv``: ``make run``'s stand-in for an export's presigned S3 link.

The export function writes a large CSV into ``EXPORT_DIR`` (``.local/exports/``) page by page and
answers ``303`` to this path; the local server streams the file from disk in fixed-size blocks
(memory: one block), with its length, while it is younger than the link's lifetime
(``EXPORT_LINK_TTL_SECONDS``). Like a presigned link, it needs no token: the name is unguessable
(128 random bits). Older files are deleted when met. Not in ``template.yaml``, never deployed.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

PREFIX = "/dev/exports/"
BLOCK = 64 * 1024
_NAME = re.compile(r"^customers-[0-9TZ]+-[A-Za-z0-9_-]{16,}\.csv$")


def export_file(raw_path: str) -> Path | None:
    """The live export file ``raw_path`` names, or None (unknown, malformed or expired)."""
    name = raw_path.removeprefix(PREFIX)
    directory = os.environ.get("EXPORT_DIR")
    if not directory or not _NAME.match(name):
        return None
    path = Path(directory) / name
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return None
    if age > int(os.environ.get("EXPORT_LINK_TTL_SECONDS", "300")):
        path.unlink(missing_ok=True)
        return None
    return path


def blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            yield block
