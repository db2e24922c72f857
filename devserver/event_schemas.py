"""One JSON Schema per change event type, generated from the event models (docs/events.md).

``python -m devserver.event_schemas`` writes ``events/schemas/<type>.json``; ``--check`` fails on
drift (``make openapi`` writes them, ``make test`` checks them). The tests validate every event
they see against these files.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from customer_identity.core.models.events import EVENT_MODELS, EVENT_TYPES
from devserver import template

SCHEMA_DIR = template.PROJECT_ROOT / "events" / "schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema(event_type: str) -> dict[str, Any]:
    model = EVENT_MODELS[EVENT_TYPES.index(event_type)]
    found = model.model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": DIALECT, "$id": f"{event_type}.json", **found, "title": event_type}


def rendered() -> dict[str, str]:
    return {f"{kind}.json": json.dumps(schema(kind), indent=1, ensure_ascii=False) + "\n" for kind in EVENT_TYPES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the files differ from the models")
    check = parser.parse_args().check
    wanted = rendered()
    present = {path.name for path in SCHEMA_DIR.glob("*.json")} if SCHEMA_DIR.exists() else set()
    stale = sorted(
        name
        for name, text in wanted.items()
        if not (SCHEMA_DIR / name).exists() or (SCHEMA_DIR / name).read_text() != text
    ) + sorted(present - set(wanted))
    if check:
        if stale:
            sys.exit(f"events/schemas is out of date ({', '.join(stale)}): run make openapi")
        return
    SCHEMA_DIR.mkdir(parents=True, exist_ok=True)
    for name in present - set(wanted):
        (SCHEMA_DIR / name).unlink()
    for name, text in wanted.items():
        (SCHEMA_DIR / name).write_text(text)


if __name__ == "__main__":
    main()
