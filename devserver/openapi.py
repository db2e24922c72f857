"""One OpenAPI document for every route, generated from the handlers' own resolvers.

``python -m devserver.openapi`` writes ``docs/openapi.json``; ``--check`` fails on drift.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

from devserver import template
from devserver.openapi_links import add_links

TITLE = "Customer identity API"
VERSION = "0.1.0"
DOCUMENT_PATH = template.PROJECT_ROOT / "docs" / "openapi.json"


BEARER = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "From POST /auth/otp/verify, /auth/login or /auth/password/reset (locally: make token)",
    }
}


def build_document(apps: list[tuple[Any, bool]]) -> dict[str, Any]:
    """Merge the handlers' documents; ``apps`` pairs each resolver with whether it needs a token.

    Powertools' :class:`OpenAPIMerge` does the merge (paths, components, the bearer scheme; the same
    method and path in two functions is an error). Each resolver's document is handed to it with
    ``add_schema`` rather than found by ``discover``: the handlers build their resolver with
    ``create_app()``, which ``discover`` does not recognise, and whether a function needs a token
    (``handler.requires_token``) is known only here, so each operation's ``security`` is set first.
    """
    # BEARER as a plain dict (the merge copies it as is): the document stays ready for json.dumps.
    merge = OpenAPIMerge(title=TITLE, version=VERSION, security_schemes=BEARER, on_conflict="error")
    for app, requires_token in apps:
        part = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        for operations in part.get("paths", {}).values():
            for operation in operations.values():
                operation["security"] = [{"bearerAuth": []}] if requires_token else []
        merge.add_schema(part)
    document = dict(merge.get_openapi_schema())
    document["paths"] = dict(sorted(document.get("paths", {}).items()))
    components = document["components"] = dict(document.get("components", {}))
    components["schemas"] = dict(sorted(components.get("schemas", {}).items()))
    _drop_powertools_validation_errors(document)
    add_links(document)
    return document


# Powertools documents a 422 in its own shape on every operation of a validating resolver, and
# always adds that shape's schemas. Our routes declare their 422 (``ErrorBody``) when they validate
# something; on any other operation (no body, query or header to validate) the 422 cannot happen.
POWERTOOLS_ERROR_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


def _drop_powertools_validation_errors(document: dict[str, Any]) -> None:
    for operations in document["paths"].values():
        for operation in operations.values():
            answer = operation["responses"].get("422", operation["responses"].get(422, {}))
            if "HTTPValidationError" in json.dumps(answer):
                operation["responses"].pop("422", None)
                operation["responses"].pop(422, None)
    schemas = document["components"]["schemas"]
    for name in POWERTOOLS_ERROR_SCHEMAS:
        schemas.pop(name, None)
    assert "#/components/schemas/HTTPValidationError" not in json.dumps(document)


def swagger_html(spec_json: str) -> str:
    assets = Path(generate_swagger_html.__code__.co_filename).parent
    return generate_swagger_html(
        spec=spec_json,
        swagger_js=(assets / "swagger-ui-bundle.min.js").read_text(),
        swagger_css=(assets / "swagger-ui.min.css").read_text(),
        swagger_base_url="",
        oauth2_config=None,
    )


def load_apps() -> list[tuple[Any, bool]]:
    """Every handler's resolver, and whether its function needs a token."""
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("AWS_REGION", "us-east-1")
    if not os.environ.get("JWT_SIGNING_KEY_SECRET"):  # importing a handler builds its services
        os.environ.setdefault("JWT_SIGNING_KEY", "only-for-reading-the-routes-" + "0" * 32)
    apps, seen = [], set()
    for route in template.routes():
        if route.function in seen:
            continue
        seen.add(route.function)
        module_name = route.handler.rpartition(".")[0]
        spec = importlib.util.spec_from_file_location(
            f"_openapi_{route.function}", route.code_dir / f"{module_name}.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "app"):
            continue  # not a JSON API: the console's static files (functions/serve_console)
        apps.append((module.app, getattr(module.handler, "requires_token", True)))
    return apps


def render() -> str:
    return json.dumps(build_document(load_apps()), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate or check docs/openapi.json")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/openapi.json is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not DOCUMENT_PATH.exists() or DOCUMENT_PATH.read_text() != text:
            print("docs/openapi.json is out of date: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    DOCUMENT_PATH.write_text(text)
    print(f"wrote {DOCUMENT_PATH.relative_to(template.PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
