"""Name search (folding, the two name indexes, pagination, delivery persons) and the customer CSV export."""

import csv
import io
import json
from collections import Counter
from decimal import Decimal
from urllib.parse import urlsplit

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import InvalidCursor, InvalidInput
from customer_identity.core.folding import fold
from customer_identity.core.models.accounts import NewStaff
from customer_identity.core.models.customers import CustomerChanges, NewCustomer
from customer_identity.storage.entities import CustomerItem
from customer_identity.storage.keys import phone_key
from customer_identity.use_cases.admin.export_files import LocalExportFiles, S3ExportFiles
from customer_identity.use_cases.admin.exports import COLUMNS, number_cell, text_cell
from devserver.server import LambdaContext
from devserver.template import routes
from tests.unit.conftest import Domain, load_event, load_handler, real_admin_token

MIB = 1024 * 1024


# --- folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Sita Kumar", "sita kumar"),
        ("ZOË", "zoe"),
        ("Zoë", "zoe"),
        ("Zoe\u0308", "zoe"),  # the same name typed decomposed
        ("José  María ", "jose maria"),
        ("Straße", "strasse"),
        ("Łukasz Øster", "lukasz oster"),
        ("\uff33\uff49\uff54\uff41", "sita"),  # full-width
        ("ﬁona", "fiona"),
        ("राहुल", "राहुल"),  # Devanagari vowel signs are letters, not accents: kept
        ("山田 太郎", "山田 太郎"),
        ("   ", ""),
    ],
)
def test_folding_ignores_case_accents_and_width_and_keeps_other_scripts(text: str, folded: str) -> None:
    assert fold(text) == fold(folded) == folded


def test_kana_voicing_marks_are_kept_so_different_names_stay_different() -> None:
    assert fold("が") != fold("か") and fold("が") == fold("\u304b\u3099")


# --- name search ----------------------------------------------------------------------------


NAMES = [
    "Sita Kumar",
    "Zoë Martin",
    "राहुल शर्मा",
    "山田 太郎",
    "Sita Devi Kumar",
    "Sitara",
    "Anil Sitaram",
    "Kumar Sanu",
]


@pytest.fixture
def named(domain: Domain) -> dict[str, str]:
    """The NAMES as customers: name -> customer number."""
    return {name: domain.create(f"98000000{i:02d}", name=name).customer.customer_number for i, name in enumerate(NAMES)}


def search(domain: Domain, q: str, *, limit: int = 50, scope: str | None = None, **filters: str) -> list[str]:
    names, cursor = [], None
    while True:
        page = domain.listing.customers(
            status=filters.get("status"),
            area=filters.get("area"),
            limit=limit,
            cursor=cursor,
            delivery_person_id=scope,
            q=q,
        )
        names += [customer.name for customer in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return names


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("sita", ["Anil Sitaram", "Sita Devi Kumar", "Sita Kumar", "Sitara"]),
        ("SITA K", ["Sita Kumar"]),
        ("kumar", ["Kumar Sanu", "Sita Devi Kumar", "Sita Kumar"]),  # the name's start, or its last word
        ("zoe", ["Zoë Martin"]),
        ("ZOË", ["Zoë Martin"]),
        ("mart", ["Zoë Martin"]),
        ("राहुल", ["राहुल शर्मा"]),
        ("शर्", ["राहुल शर्मा"]),
        ("山田", ["山田 太郎"]),
        ("sitar", ["Anil Sitaram", "Sitara"]),
        ("devi", []),  # a middle word is not indexed (see docs/data-model.md)
        ("x", []),
    ],
)
def test_name_search_matches_the_start_of_the_name_or_of_its_last_word(
    domain: Domain, named: dict[str, str], q: str, found: list[str]
) -> None:
    assert sorted(search(domain, q)) == sorted(found)


def test_search_pages_merge_both_indexes_without_repeats_or_gaps(domain: Domain, named: dict[str, str]) -> None:
    for i in range(7):
        domain.create(f"98100000{i:02d}", name=f"Kumari Devi {i}" if i % 2 else f"Ravi Kumaran{i}")
    everything = search(domain, "kum", limit=50)
    assert len(everything) == len(set(everything)) == 3 + 7  # Kumar Sanu, two "... Kumar", 7 new
    for limit in (1, 2, 3):
        assert search(domain, "kum", limit=limit) == everything


def test_search_reads_two_index_pages_and_never_scans(domain: Domain, named: dict[str, str], requests_made) -> None:
    requests_made.clear()
    domain.listing.customers(status=None, area=None, limit=2, cursor=None, q="sita")
    assert requests_made == Counter({"Query": 2, "BatchGetItem": 1})  # two index queries, one read-back


def test_a_renamed_customer_is_found_by_its_new_name_only(domain: Domain, named: dict[str, str]) -> None:
    domain.profiles.update(named["Sitara"], CustomerChanges(name="Meera Iyer"))
    assert "Sitara" not in search(domain, "sita") and search(domain, "iyer") == ["Meera Iyer"]
    domain.profiles.update(named["Zoë Martin"], CustomerChanges(name=None))
    assert search(domain, "zoe") == []


def test_merged_away_customers_are_not_found(domain: Domain, named: dict[str, str]) -> None:
    item = CustomerItem.get(*phone_key("+919800000001"))  # Zoë Martin
    item.merged_into = "cus_someone"
    item.save()
    assert search(domain, "zoe") == []


def test_search_keeps_the_listing_filters(domain: Domain, named: dict[str, str]) -> None:
    domain.profiles.update(named["Sita Kumar"], CustomerChanges(status="paused", area="North"))
    assert search(domain, "sita", status="paused") == ["Sita Kumar"]
    assert search(domain, "kumar", area="north") == ["Sita Kumar"]


def test_a_delivery_person_finds_only_their_customers(domain: Domain, named: dict[str, str]) -> None:
    ravi = domain.staff.create(NewStaff(email="ravi@example.com", role="delivery_person"))
    for name in ("Sita Kumar", "Zoë Martin"):
        domain.profiles.update(named[name], CustomerChanges(delivery_person_id=ravi.account_id))
    assert search(domain, "sita", scope=ravi.account_id) == ["Sita Kumar"]
    assert search(domain, "kumar", scope=ravi.account_id) == ["Sita Kumar"]
    assert search(domain, "zoe", scope=ravi.account_id, limit=1) == ["Zoë Martin"]
    assert search(domain, "sitara", scope=ravi.account_id) == []
    assert len(search(domain, "sita")) == 4  # admins: all


@pytest.mark.parametrize("q", ["", "   ", "\u0301"])
def test_a_query_with_nothing_to_search_is_refused_naming_q(domain: Domain, q: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        domain.listing.customers(status=None, area=None, limit=5, cursor=None, q=q)
    assert (refused.value.code, refused.value.field) == ("invalid_q", "q")


def test_search_cursors_are_bound_to_their_query(domain: Domain, named: dict[str, str]) -> None:
    cursor = domain.listing.customers(status=None, area=None, limit=1, cursor=None, q="sita").next_cursor
    assert cursor
    for q, bad in (("kumar", cursor), ("sita", "e30"), ("sita", "abc")):
        with pytest.raises(InvalidCursor):
            domain.listing.customers(status=None, area=None, limit=1, cursor=bad, q=q)
    listing_cursor = domain.listing.customers(status=None, area=None, limit=1, cursor=None).next_cursor
    with pytest.raises(InvalidCursor):
        domain.listing.customers(status=None, area=None, limit=1, cursor=listing_cursor, q="sita")


# --- CSV cells ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+919812345678", "'+919812345678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'quoted", "''quoted"),  # so that removing one leading ' always restores the value
        ("Sita = Kumar", "Sita = Kumar"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_cells_never_start_a_formula(value: str | None, cell: str) -> None:
    assert text_cell(value) == cell


def test_numeric_cells_are_plain_decimals_negative_included() -> None:
    assert [number_cell(v) for v in (Decimal("-250.00"), Decimal("1000.00"), 3, None)] == [
        "-250.00",
        "1000.00",
        "3",
        "",
    ]


# --- the export -----------------------------------------------------------------------------


def parse(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark, for spreadsheets
    assert body.split(b"\n", 1)[0].endswith(b"\r")  # CRLF line ends
    reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


TRICKY = [
    ("9800000001", {"name": 'Zoë "Zo" O\'Neil, Jr.', "address": "12 MG Road,\nFlat 3\r\nBengaluru", "area": "North"}),
    ("9800000002", {"name": "=cmd|' /C calc'!A0", "address": "@home", "area": "South"}),
    ("9800000003", {"name": "राहुल शर्मा", "status": "paused", "area": "North"}),
]


def make_tricky(domain: Domain) -> None:
    for phone, fields in TRICKY:
        domain.create(phone, **fields)


def test_the_export_round_trips_through_pythons_csv_module_page_by_page(domain: Domain, requests_made) -> None:
    make_tricky(domain)
    for i in range(4, 9):
        domain.create(f"980000000{i}", name=f"Customer {i}")
    exporter = runtime.customer_export()
    exporter.page_size = 3
    requests_made.clear()
    chunks = list(exporter.chunks(status=None, area=None))
    # header + one chunk per page; each page one index query and one BatchGetItem of its customers
    assert len(chunks) == 1 + 3 and requests_made == Counter({"Query": 3, "BatchGetItem": 3})
    rows = parse(b"".join(chunks))
    assert [row["customer_number"] for row in rows] == [f"PL{i}" for i in range(1, 9)]
    first, second, third = rows[:3]
    assert first["name"] == 'Zoë "Zo" O\'Neil, Jr.' and first["address"] == "12 MG Road,\nFlat 3\r\nBengaluru"
    assert first["phone"] == "'+919800000001" and first["total_spent"] == "0.00" and first["previous_balance"] == ""
    assert second["name"] == "'=cmd|' /C calc'!A0" and second["address"] == "'@home"
    assert third["name"] == "राहुल शर्मा" and third["status"] == "paused"
    north_paused = parse(b"".join(exporter.chunks(status="paused", area="north")))
    assert [row["customer_number"] for row in north_paused] == ["PL3"]


def test_a_small_export_is_answered_inline_and_a_large_one_is_written_and_linked(domain: Domain, tmp_path) -> None:
    make_tricky(domain)
    exporter = runtime.customer_export()
    inline = exporter.run(status=None, area=None)
    assert inline.link is None and len(parse(inline.body or b"")) == 3
    exporter.inline_limit = 100
    exporter.files = LocalExportFiles(tmp_path)
    linked = exporter.run(status=None, area=None)
    assert linked.body is None and linked.link and linked.link.rows == 3
    assert linked.link.url.startswith("/dev/exports/customers-") and linked.link.expires_in == 300
    written = tmp_path / linked.link.url.removeprefix("/dev/exports/")
    assert written.read_bytes() == inline.body
    assert [path.name for path in tmp_path.iterdir()] == [written.name]  # no partial file left


@pytest.fixture
def bucket(aws: None) -> str:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="exports-unit")
    return "exports-unit"


def test_s3_exports_upload_a_part_as_soon_as_it_fills_and_link_the_object(bucket: str) -> None:
    files = S3ExportFiles(bucket, link_ttl_seconds=120, part_size=5 * MIB)
    chunks = [b"a" * (3 * MIB), b"b" * (3 * MIB), b"c" * (3 * MIB), b"tail"]
    url = files.write("customers-x.csv", iter(chunks))
    assert urlsplit(url).path == f"/{bucket}/exports/customers-x.csv" or "exports/customers-x.csv" in url
    assert "Expires=" in url or "X-Amz-Expires=120" in url
    s3 = boto3.client("s3", region_name="us-east-1")
    whole = s3.get_object(Bucket=bucket, Key="exports/customers-x.csv")
    assert whole["Body"].read() == b"".join(chunks) and whole["ContentType"] == "text/csv; charset=utf-8"
    assert whole["ETag"].endswith('-2"')  # two parts: 6 MiB as soon as it filled, then 3 MiB + the tail


def test_a_failed_s3_export_leaves_no_object_and_no_open_upload(bucket: str) -> None:
    def failing():
        yield b"x" * (6 * MIB)
        raise RuntimeError("the table went away")

    with pytest.raises(RuntimeError):
        S3ExportFiles(bucket, link_ttl_seconds=60, part_size=5 * MIB).write("customers-y.csv", failing())
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


def export_handler():
    route = next(route for route in routes() if route.code_dir.name == "export_customers")
    return load_handler(route).handler


def call_export(token: str, event: dict | None = None) -> dict:
    event = json.loads(json.dumps(event or load_event("export_customers")))
    event["headers"]["Authorization"] = f"Bearer {token}"
    return export_handler()(event, LambdaContext(function_name="export_customers"))


def test_the_export_route_answers_text_csv_and_is_for_admins_only(domain: Domain) -> None:
    make_tricky(domain)
    runtime.tokens()
    admin = real_admin_token()
    result = call_export(admin)
    headers = {name.lower(): values[0] for name, values in result["multiValueHeaders"].items()}
    assert result["statusCode"] == 200 and headers["content-type"] == "text/csv; charset=utf-8"
    rows = parse(result["body"].encode())
    assert [row["customer_number"] for row in rows] == ["PL1", "PL2"]  # the sample event asks for active ones
    domain.staff.create(NewStaff(email="ravi@example.com", role="delivery_person"))
    refused = call_export(runtime.accounts().token_for(runtime.accounts().by_email("ravi@example.com"), "local").token)
    assert refused["statusCode"] == 403


def test_the_export_route_sends_a_large_export_to_s3_with_303(environment, bucket: str) -> None:
    environment(EXPORT_BUCKET=bucket, EXPORT_INLINE_LIMIT_BYTES="0")
    runtime.registration().find_or_create(NewCustomer(phone="9800000001", name="Asha"))
    admin = real_admin_token()
    result = call_export(admin)
    body = json.loads(result["body"])
    headers = {name.lower(): values[0] for name, values in result["multiValueHeaders"].items()}
    assert result["statusCode"] == 303, body
    assert headers["location"] == body["url"] and body["rows"] == 1
    key = urlsplit(body["url"]).path.split(f"{bucket}/", 1)[-1].lstrip("/")
    stored = boto3.client("s3", region_name="us-east-1").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert [row["name"] for row in parse(stored)] == ["Asha"]


def test_customers_written_before_name_search_get_their_keys_from_the_one_off_reindex(
    domain: Domain, named: dict[str, str]
) -> None:
    from customer_identity.storage import table
    from customer_identity.storage.reindex import add_missing_name_keys

    for phone in ("+919800000000", "+919800000001"):  # Sita Kumar, Zoë Martin as an old release wrote them
        table.client().update_item(
            TableName=table.config().name,
            Key={"pk": {"S": f"PHONE#{phone}"}, "sk": {"S": "CUSTOMER"}},
            UpdateExpression="REMOVE gsi5pk, gsi5sk, gsi6pk, gsi6sk",
        )
    assert search(domain, "zoe") == [] and "Sita Kumar" not in search(domain, "sita")
    assert add_missing_name_keys() == (2, 0)
    assert search(domain, "zoe") == ["Zoë Martin"] and "Sita Kumar" in search(domain, "kumar")
    assert add_missing_name_keys() == (0, 0)  # nothing left to do


def test_a_backfill_filling_the_name_and_area_of_an_existing_customer_lists_it_by_them(
    domain: Domain, tmp_path
) -> None:
    from customer_identity.use_cases.backfill.steps import Backfill
    from devserver.legacy_export import generate

    truth = generate(tmp_path, persons=5, seed=4)
    person = truth["persons"][0]  # named राहुल शर्मा, area AREA_EAST in the export
    existing = domain.create(person["phone"]).customer  # known before the backfill, without name or area
    backfill = Backfill(runtime.config(), writers=1)
    planned = backfill.plan({"source": str(tmp_path), "chunk_size": 50})
    for chunk in json.loads(json.dumps(planned["chunks"])):
        backfill.write(chunk)
    first_word = person["name"].split()[0]
    found = domain.listing.customers(status=None, area=None, limit=50, cursor=None, q=first_word).items
    assert existing.customer_id in {customer.customer_id for customer in found}
    area = domain.reader.resolve(person["phone"]).item.area
    in_area = domain.listing.customers(status=None, area=area, limit=50, cursor=None).items
    assert existing.customer_id in {customer.customer_id for customer in in_area}


def test_the_name_search_sample_event_runs_against_the_listing_handler(invoke, domain: Domain) -> None:
    domain.create("9800000001", name="Zoë Martin")
    domain.create("9800000002", name="Zoya Khan")
    status, body = invoke("list_customers", load_event("list_customers_by_name"))
    assert status == 200 and [customer["name"] for customer in body["items"]] == ["Zoë Martin"]
