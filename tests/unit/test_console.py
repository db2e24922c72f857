"""The console's server side: its static files (same handler locally and in AWS) and the first-admin step."""

from __future__ import annotations

import re
from typing import Any

import pytest

from customer_identity import runtime
from customer_identity.core.errors import AdminExists, InvalidResetToken
from customer_identity.core.models.accounts import NewStaff
from customer_identity.use_cases.admin.first_admin import create_first_admin
from devserver.server import LambdaContext
from devserver.template import PROJECT_ROOT, routes
from tests.unit.conftest import Domain, load_event, load_handler

CONSOLE = PROJECT_ROOT / "functions" / "serve_console" / "console"


def serve(path: str, proxy: str | None, method: str = "GET") -> dict[str, Any]:
    route = next(route for route in routes() if route.code_dir.name == "serve_console")
    event = load_event("serve_console") | {"path": path, "httpMethod": method, "pathParameters": None}
    if proxy is not None:
        event["pathParameters"] = {"proxy": proxy}
    return load_handler(route).handler(event, LambdaContext(function_name="serve_console"))


def test_every_file_is_served_with_its_type_and_the_strict_policy() -> None:
    page = serve("/console/", None)
    assert page["statusCode"] == 200 and page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert page["body"] == (CONSOLE / "index.html").read_text()
    headers = page["headers"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    for name in ("js/main.js", "js/pages/dashboard.js", "app.css"):
        answer = serve(f"/console/{name}", name)
        assert answer["statusCode"] == 200 and answer["body"] == (CONSOLE / name).read_text()
    assert serve("/console/app.css", "app.css")["headers"]["Content-Type"] == "text/css; charset=utf-8"
    assert serve("/console/js/main.js", "js/main.js")["headers"]["Content-Type"] == "text/javascript; charset=utf-8"


def test_the_page_has_no_inline_script_or_style_and_only_relative_paths() -> None:
    html = (CONSOLE / "index.html").read_text()
    assert re.findall(r"<script[^>]*>", html) == ['<script type="module" src="js/main.js">']
    assert "style=" not in html and "<style" not in html and 'src="/' not in html and 'href="/' not in html
    for script in CONSOLE.rglob("*.js"):
        text = script.read_text()
        assert "innerHTML" not in text and "eval(" not in text and "localStorage" not in text, script.name
        fetched = set(re.findall(r"https?://[^\s\"'`$]+", text)) - {"http://www.w3.org/2000/svg"}  # a namespace
        assert fetched <= {"https://maps.google.com/?q="}, script.name  # a link people follow, never loaded


@pytest.mark.parametrize(
    ("path", "proxy", "status"),
    [
        ("/console/../template.yaml", "../template.yaml", 404),
        ("/console/nope.js", "nope.js", 404),
        ("/console", None, 301),
    ],
)
def test_anything_but_a_console_file_is_refused_and_the_bare_path_moves_to_the_folder(
    path: str, proxy: str | None, status: int
) -> None:
    answer = serve(path, proxy)
    assert answer["statusCode"] == status
    if status == 301:
        assert answer["headers"]["Location"] == "console/"  # relative: a stage prefix is kept


def test_only_reads_are_answered() -> None:
    assert serve("/console/", None, method="POST")["statusCode"] == 405


def test_the_first_admin_gets_a_one_time_link_and_the_step_is_refused_once_an_admin_exists(domain: Domain) -> None:
    first = create_first_admin(runtime.staff(), runtime.staff_management(), email="owner@example.com", name="Owner")
    assert first.account.role == "admin" and first.account.active
    signed_in = domain.password_sign_in.reset(first.reset_token, "a long first password")
    assert domain.accounts.tokens.verify(signed_in.token).role == "admin"
    with pytest.raises(InvalidResetToken):
        domain.password_sign_in.reset(first.reset_token, "another long password")  # once
    with pytest.raises(AdminExists):
        create_first_admin(runtime.staff(), runtime.staff_management(), email="second@example.com", name=None)


def test_a_deactivated_admin_still_blocks_the_first_admin_step(domain: Domain) -> None:
    domain.staff.create(NewStaff(email="old@example.com", role="admin"))  # type: ignore[arg-type]
    with pytest.raises(AdminExists):
        create_first_admin(runtime.staff(), runtime.staff_management(), email="new@example.com", name=None)
