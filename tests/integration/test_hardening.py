"""Issue 11's findings over real HTTP: what the local server (and API Gateway) answer a prober."""

import socket
from urllib.parse import urlsplit

import httpx
import pytest

pytestmark = pytest.mark.integration
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("path", ["/auth/otp/request", "/auth/login", "/customers"])
def test_deeply_nested_json_is_a_400_or_413_in_our_shape_never_5xx(api: httpx.Client, path: str) -> None:
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 3_000 + "1" + "}" * 3_000):
        response = api.post(path, content=body, headers=JSON)
        assert response.status_code in (400, 413), (path, response.status_code, response.text[:200])
        assert response.json()["error"]["code"] in {"malformed_json", "payload_too_large"}


def test_a_body_larger_than_api_gateway_takes_is_413_without_being_read(base_url: str) -> None:
    where = urlsplit(base_url)
    with socket.create_connection((where.hostname, where.port), timeout=30) as connection:
        connection.sendall(
            b"POST /auth/otp/request HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 20000000\r\n\r\n{"
        )
        received = b""
        while chunk := connection.recv(65536):  # the server closes the connection after answering
            received += chunk
    answer = received.decode()
    assert answer.startswith("HTTP/1.1 413") and '"payload_too_large"' in answer


def test_a_cross_site_form_post_is_refused_and_sends_nothing(anonymous: httpx.Client) -> None:
    phone = "+919555000001"
    form = anonymous.post("/auth/otp/request", files={"phone": (None, phone)})  # what curl -F sends
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"
    urlencoded = anonymous.post("/auth/otp/request", data={"phone": phone})
    assert urlencoded.status_code == 415 and urlencoded.json()["error"]["code"] == "unsupported_media_type"
    assert anonymous.get("/dev/outbox", params={"to": phone}).json() == {"messages": []}
    upper = anonymous.post(
        "/auth/otp/request", content=f'{{"phone": "{phone}"}}', headers={"CONTENT-TYPE": "APPLICATION/JSON"}
    )
    assert upper.status_code == 202
