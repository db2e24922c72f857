"""Name search and the customer CSV export over HTTP, on a server of their own whose inline limit
is small, so that both answers of the export (200 inline, 303 to a streamed file) are exercised."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devserver.process import local_server, mint_token
from tests.integration.conftest import authorized

pytestmark = pytest.mark.integration
INLINE_LIMIT = 700  # bytes: an export of one or two customers is inline, the whole table is not

CUSTOMERS = [  # (phone, fields): the tricky cells of a billing spreadsheet
    ("9811100001", {"name": "Sita Kumar", "area": "North", "address": "12 MG Road, Flat 3"}),
    ("9811100002", {"name": 'Zoë "Zo" O\'Neil', "area": "North", "address": "Line one\nLine two\r\nLine three"}),
    ("9811100003", {"name": '=HYPERLINK("http://evil","x")', "area": "South", "address": "@SUM(1+1)"}),
    ("9811100004", {"name": "राहुल शर्मा", "area": "South", "status": "paused"}),
    ("9811100005", {"name": "山田 太郎", "area": "East", "email": "yamada@example.com"}),
    ("9811100006", {"name": "Sita Devi Kumar", "area": "East", "address": "-5 Lane"}),
    ("9811100007", {"name": "Kumar Sanu", "area": "West"}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("search-export")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EXPORT_INLINE_LIMIT_BYTES", str(INLINE_LIMIT))
        with local_server(data_dir) as url:
            yield url, data_dir


@pytest.fixture(scope="module")
def admin(server: tuple[str, Path]) -> Iterator[httpx.Client]:
    url, data_dir = server
    with authorized(mint_token(data_dir, "admin"), url) as client:
        for phone, fields in CUSTOMERS:
            assert client.post("/customers", json={"phone": phone, **fields}).status_code == 201
        booking = {"customer": "9811100001", "service": "Wash & fold", "amount": "249.50"}
        assert client.post("/bookings", json=booking).status_code == 201
        yield client


def parse(response: httpx.Response) -> list[dict[str, str]]:
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf") and b"\r\n" in response.content
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def unescaped(cell: str) -> str:
    """The documented inverse of the formula escaping: drop one leading apostrophe."""
    return cell.removeprefix("'")


def listed(client: httpx.Client, **params: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = client.get("/customers", params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items


def test_the_whole_export_is_a_303_to_a_streamed_csv_equal_to_the_listing(admin: httpx.Client) -> None:
    answer = admin.get("/admin/exports/customers.csv")
    assert answer.status_code == 303 and answer.headers["location"] == answer.json()["url"]
    assert answer.json()["rows"] == len(CUSTOMERS)
    with httpx.Client(base_url=str(admin.base_url)) as anyone:  # a link needs no token, like a presigned URL
        rows = parse(anyone.get(answer.headers["location"]))
        assert anyone.get("/dev/exports/customers-2026-nope.csv").status_code == 404
    customers = listed(admin)
    assert [row["customer_number"] for row in rows] == [c["customer_number"] for c in customers]
    for row, customer in zip(rows, customers, strict=True):
        for column in ("customer_id", "phone", "name", "email", "status", "area", "address"):
            assert unescaped(row[column]) == (customer[column] or ""), column
        assert row["total_spent"] == customer["total_spent"]
    first, _, formula, hindi, *_ = rows
    assert first["phone"] == "'+919811100001" and first["total_bookings"] == "1" and first["total_spent"] == "249.50"
    assert rows[1]["name"] == 'Zoë "Zo" O\'Neil' and rows[1]["address"] == "Line one\nLine two\r\nLine three"
    assert formula["name"].startswith("'=") and formula["address"] == "'@SUM(1+1)"
    assert hindi["name"] == "राहुल शर्मा" and rows[5]["address"] == "'-5 Lane"


def test_a_small_export_is_answered_inline_with_the_filters_applied(admin: httpx.Client) -> None:
    answer = admin.get("/admin/exports/customers.csv", params={"area": "south", "status": "paused"})
    assert answer.status_code == 200
    assert 'filename="customers.csv"' in answer.headers["content-disposition"]
    assert [row["name"] for row in parse(answer)] == ["राहुल शर्मा"]
    bad = admin.get("/admin/exports/customers.csv", params={"status": "gone"})
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "status")


def search(client: httpx.Client, q: str, limit: int = 1) -> list[str]:
    names, cursor = [], None
    while True:
        params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = client.get("/customers", params=params)
        assert page.status_code == 200, page.text
        names += [customer["name"] for customer in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return names


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("sita", ["Sita Devi Kumar", "Sita Kumar"]),
        ("kumar", ["Kumar Sanu", "Sita Devi Kumar", "Sita Kumar"]),
        ("ZOE", ['Zoë "Zo" O\'Neil']),
        ("zoë", ['Zoë "Zo" O\'Neil']),
        ("राहु", ["राहुल शर्मा"]),
        ("山田", ["山田 太郎"]),
    ],
)
def test_name_search_over_http_page_by_page(admin: httpx.Client, q: str, found: list[str]) -> None:
    assert search(admin, q, limit=1) == search(admin, q, limit=50)
    assert sorted(search(admin, q, limit=1)) == sorted(found)


def test_a_query_with_nothing_to_search_is_a_422_naming_q(admin: httpx.Client) -> None:
    answer = admin.get("/customers", params={"q": "  "})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "q"


def test_a_delivery_person_finds_only_their_customers_and_cannot_export(
    admin: httpx.Client, server: tuple[str, Path]
) -> None:
    login = {"email": "kiran@example.com", "password": "route 42 mornings"}
    staff = admin.post("/admin/staff", json={**login, "role": "delivery_person"})
    assert staff.status_code == 201
    assigned = admin.patch("/customers/9811100001", json={"delivery_person_id": staff.json()["account"]["account_id"]})
    assert assigned.status_code == 200
    with httpx.Client(base_url=server[0]) as anyone:
        token = anyone.post("/auth/login", json=login).json()["token"]
    with authorized(token, server[0]) as kiran:
        assert search(kiran, "sita") == ["Sita Kumar"] and search(kiran, "kumar", limit=50) == ["Sita Kumar"]
        assert search(kiran, "zoe") == []
        assert kiran.get("/admin/exports/customers.csv").status_code == 403
    assert len(search(admin, "sita")) == 2
