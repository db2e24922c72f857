"""Handlers stay thin: they parse and respond through the edge, and never touch storage or a client."""

import ast
from pathlib import Path

import pytest

from devserver.template import PROJECT_ROOT

HANDLERS = sorted((PROJECT_ROOT / "functions").glob("*/app.py"))
ALLOWED_PREFIXES = (
    "customer_identity.api",
    "customer_identity.static_site",  # the console's files (functions/serve_console)
    "customer_identity.core.models",
    "customer_identity.core.audit_models",
    "customer_identity.core.observability",
    "customer_identity.use_cases.sign_in.access",
    "customer_identity.use_cases.identity.role_views",  # what each role sees of an answer (pure functions)
    "customer_identity.use_cases.bookings.idempotency",
    "aws_lambda_powertools",
    "typing",
)


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {f"{node.module}.{alias.name}" for alias in node.names}
            found |= {node.module} if node.module != "customer_identity" else names
    return found


def test_there_is_one_handler_per_function() -> None:
    assert len(HANDLERS) >= 17


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda path: path.parent.name)
def test_a_handler_imports_only_the_edge_the_models_and_the_composition_root(handler: Path) -> None:
    modules = imported_modules(handler)
    outside = sorted(
        module
        for module in modules
        if module != "customer_identity.runtime" and not module.startswith(ALLOWED_PREFIXES)
    )
    assert outside == []
    assert handler.read_text().count("\n") < 60  # parse and respond, nothing more
