"""Defects the fuzz stage (tests/fuzz, Schemathesis) found in the local server."""

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("method", "path"), [("TRACE", "/health"), ("TRACE", "/customers/PL1"), ("QUERY", "/me")])
def test_a_method_no_route_has_is_a_405_in_the_error_shape_not_a_501_page(
    api: httpx.Client, method: str, path: str
) -> None:
    response = api.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_invoke_api_call_gets_one_answer_so_the_next_request_on_the_connection_gets_its_own(
    anonymous: httpx.Client,
) -> None:
    invoked = anonymous.post("/2015-03-31/functions/NoSuchFunction/invocations", content=b"{}")
    after = anonymous.get("/health")
    assert invoked.status_code == 404 and invoked.json()["message"].startswith("Function not found")
    assert (after.status_code, after.json()) == (200, {"status": "ok"})
