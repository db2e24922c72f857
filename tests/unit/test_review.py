"""The review queue: rows a backfill held, listed through the index and attached or dismissed once."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from customer_identity import runtime
from customer_identity.core.errors import (
    BookingExists,
    EmailTaken,
    InvalidCursor,
    InvalidInput,
    InvalidReference,
    LegacyIdTaken,
    ReviewAlreadyResolved,
    ReviewNotAttachable,
    ReviewNotFound,
)
from customer_identity.core.models.review import ReviewDecision
from customer_identity.storage import keys, stats, table
from customer_identity.storage.entities import ReviewItem
from customer_identity.use_cases.backfill.steps import Backfill
from tests.unit.conftest import Domain, load_event, session_token

LEGACY_PASSWORD = "the old site's password"
LEGACY_HASH = bcrypt.hashpw(LEGACY_PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
ADMIN = "stf_reviewer"
EXPORT: dict[str, list[Any]] = {
    "customers_v2": [
        {"id": "CV-1", "name": "Ravi Rao", "phone": "9811122233", "created_at": "2021-01-01T00:00:00Z"},
        {  # no valid phone: held
            "id": "CV-9",
            "name": "Walk-in Asha",
            "phone": "555-1234",
            "area": "Indiranagar",
            "address": "12 MG Road",
            "previous_balance": "120.50",
            "created_at": "2021-02-01T00:00:00Z",
        },
    ],
    "auth_users": [
        {  # a login whose email matches no one: held, with its password hash
            "id": "AU-7",
            "email": "Meera@Example.com",
            "role": "customer",
            "name": "Meera",
            "password_hash": LEGACY_HASH,
            "created_at": "2021-03-01T00:00:00Z",
        },
        {"id": "AU-8", "email": "taken@example.com", "role": "customer", "password_hash": LEGACY_HASH},
    ],
    "customers": [{"customer_id": "CUST-77", "name": "Ravi R", "email": "ravi.r@example.com", "phone": ""}],
    "bookings": [
        {
            "_id": {"$oid": "5f1d7a2b9c0e4a0012345678"},
            "customer_id": "CUST-404",
            "amount": 249.5,
            "status": "completed",
            "service": "Ironing",
            "created_at": "2021-04-01T10:00:00Z",
        },
        {  # a phone nobody has: held as well, with its original line
            "_id": {"$oid": "5f1d7a2b9c0e4a0012345679"},
            "customer_id": "user_9822233344",
            "amount": "10.00",
            "status": "cancelled",
        },
        {"_id": {"$oid": "5f1d7a2b9c0e4a001234567a"}, "amount": "99.90", "service": "Dry clean"},  # names no one
        '{"_id": {"$oid": "5f1d7a2b9c0e4a00',  # cut off mid-write
    ],
}


@pytest.fixture
def held(domain: Domain, tmp_path: Path) -> dict[str, str]:
    """A backfill of :data:`EXPORT` run in-process; {legacy id or reason: review id} of what it held."""
    for collection, rows in EXPORT.items():
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        (tmp_path / f"{collection}.jsonl").write_text("\n".join(lines) + "\n")
    run_backfill(tmp_path)
    page = runtime.review_queue_reader().page(limit=100, cursor=None)
    return {item.legacy_id or item.reason: item.review_id for item in page.items}


def run_backfill(folder: Path) -> None:
    backfill = Backfill(runtime.config(), writers=1)  # moto in-process is not thread-safe
    planned = backfill.plan({"source": str(folder)})
    for chunk in planned["chunks"]:
        backfill.write(chunk)
    backfill.report({"plan": planned})


def attach(review_id: str, customer: str, note: str | None = None):
    decision = ReviewDecision(action="attach", customer=customer, note=note)
    return runtime.review_decisions().resolve(review_id, decision, by=ADMIN)


def dismiss(review_id: str, note: str | None = None):
    return runtime.review_decisions().resolve(review_id, ReviewDecision(action="dismiss", note=note), by=ADMIN)


def stored(review_id: str) -> ReviewItem:
    collection, _, reference = review_id.partition(":")
    item = table.get(ReviewItem, keys.review_key(collection, reference))
    assert item is not None
    return item


def test_every_held_row_is_listed_oldest_first_without_its_secrets(held: dict[str, str]) -> None:
    assert set(held) == {"CV-9", "AU-7", "AU-8", "CUST-77", *(f"5f1d7a2b9c0e4a001234567{c}" for c in "89a"), "not_json"}
    items = runtime.review_queue_reader().page(limit=100, cursor=None).items
    assert [i.created_at for i in items] == sorted(i.created_at for i in items)
    login = next(i for i in items if i.legacy_id == "AU-7")
    assert login.status == "open" and login.reason == "no_phone_email_unmatched" and login.resolution is None
    assert isinstance(login.row, dict) and login.row["password_hash"] == "[removed]" and login.row["name"] == "Meera"
    assert LEGACY_HASH not in json.dumps([i.model_dump(mode="json") for i in items])
    unplaced = next(i for i in items if i.legacy_id == "5f1d7a2b9c0e4a0012345679")
    assert unplaced.row == json.loads(json.dumps(EXPORT["bookings"][1]))  # the original row, not a summary
    assert next(i for i in items if i.reason == "not_json").row == EXPORT["bookings"][3]


def test_filters_are_index_keys_and_pages_chain_with_a_cursor_bound_to_their_query(held: dict[str, str]) -> None:
    queue = runtime.review_queue_reader()
    assert {i.legacy_id for i in queue.page(collection="auth_users", limit=10, cursor=None).items} == {"AU-7", "AU-8"}
    by_reason = queue.page(reason="booking_reference_unknown", limit=10, cursor=None).items
    assert len(by_reason) == 2 and {i.collection for i in by_reason} == {"bookings"}
    both = queue.page(collection="customers", reason="no_valid_phone", limit=10, cursor=None).items
    assert [i.legacy_id for i in both] == ["CUST-77"]
    seen, cursor = [], None
    while True:
        page = queue.page(limit=3, cursor=cursor)
        seen += [i.review_id for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
        with pytest.raises(InvalidCursor):
            queue.page(collection="bookings", limit=3, cursor=cursor)
    assert seen == [i.review_id for i in queue.page(limit=100, cursor=None).items] and len(seen) == len(held)
    assert queue.page(status="resolved", limit=10, cursor=None).items == []


def test_attaching_a_profile_row_makes_its_legacy_id_an_alias_and_fills_what_the_customer_lacks(
    domain: Domain, held: dict[str, str]
) -> None:
    ravi = domain.resolver.resolve("9811122233").item
    outcome = attach(held["CV-9"], "PL1", note="same person, typo in phone")
    customer = outcome.customer
    assert customer is not None and customer.customer_id == ravi.customer_id
    assert "CV-9" in customer.legacy_ids and customer.area == "Indiranagar" and customer.address == "12 MG Road"
    assert customer.previous_balance == Decimal("120.50") and customer.name == "Ravi Rao"  # its own name stands
    assert outcome.ignored_fields == ["name"]
    resolution = outcome.review.resolution
    assert outcome.review.status == "resolved" and resolution is not None
    assert (resolution.action, resolution.customer_id, resolution.by) == ("attach", ravi.customer_id, ADMIN)
    assert resolution.note == "same person, typo in phone" and resolution.at
    resolved = domain.resolver.resolve("CV-9")
    assert (resolved.item.customer_id, resolved.kind) == (ravi.customer_id, "legacy_id")
    assert runtime.review_queue_reader().page(status="resolved", limit=10, cursor=None).items == [outcome.review]


def test_attaching_a_login_row_makes_it_the_customers_login_with_the_legacy_password(
    domain: Domain, held: dict[str, str]
) -> None:
    domain.create("9000000001", name="Meera K")
    assert stored(held["AU-7"]).source_line is not None  # kept for this, and only while open
    outcome = attach(held["AU-7"], "9000000001")
    assert outcome.customer is not None and outcome.customer.email == "meera@example.com"
    assert stored(held["AU-7"]).source_line is None
    token = domain.password_sign_in.login(email="meera@example.com", phone=None, password=LEGACY_PASSWORD)
    assert runtime.tokens().verify(token.token).customer_id == outcome.customer.customer_id
    assert domain.resolver.resolve("AU-7").item.customer_id == outcome.customer.customer_id


def test_a_login_row_whose_email_another_account_has_is_refused_naming_it(domain: Domain, held: dict[str, str]) -> None:
    domain.create("9000000002", email="taken@example.com")
    domain.create("9000000003")
    with pytest.raises(EmailTaken, match=r"taken@example\.com"):
        attach(held["AU-8"], "9000000003")
    assert stored(held["AU-8"]).status == "open"
    assert domain.reader.resolve("9000000003").item.legacy_ids is None  # nothing of it was written


def test_attaching_a_booking_row_moves_it_onto_the_customer_with_its_totals(
    domain: Domain, held: dict[str, str]
) -> None:
    before = domain.resolver.resolve("PL1").item
    outcome = attach(held["5f1d7a2b9c0e4a0012345678"], "PL1")
    assert outcome.booking is not None and outcome.booking.amount == Decimal("249.50")
    assert outcome.booking.created_at == "2021-04-01T10:00:00.000Z" and outcome.booking.service == "Ironing"
    after = domain.resolver.resolve("PL1").item
    assert (after.total_bookings, after.total_spent) == (
        before.total_bookings + 1,
        before.total_spent + Decimal("249.5"),
    )
    history = domain.bookings.history("PL1", limit=10, cursor=None).items
    assert [b.booking_id for b in history] == [outcome.booking.booking_id]
    # a cancelled one moves too, but does not count; one that named no customer takes the admin's
    attach(held["5f1d7a2b9c0e4a0012345679"], "PL1")
    nameless = attach(held["5f1d7a2b9c0e4a001234567a"], "PL1")
    assert nameless.booking is not None and nameless.booking.service == "Dry clean"
    final = domain.resolver.resolve("PL1").item
    assert (final.total_bookings, final.total_spent) == (after.total_bookings + 1, after.total_spent + Decimal("99.9"))
    assert len(domain.bookings.history("PL1", limit=10, cursor=None).items) == 3


def test_dismissing_records_who_when_and_why_and_resolving_twice_is_409(held: dict[str, str]) -> None:
    outcome = dismiss(held["not_json"], note="cut off in the export")
    assert outcome.review.status == "dismissed" and outcome.customer is None
    assert outcome.review.resolution is not None and outcome.review.resolution.by == ADMIN
    with pytest.raises(ReviewAlreadyResolved, match="dismissed"):
        dismiss(held["not_json"])
    attach(held["CUST-77"], "PL1")
    with pytest.raises(ReviewAlreadyResolved, match="resolved"):
        attach(held["CUST-77"], "PL1")


def test_refusals_name_the_field(domain: Domain, held: dict[str, str]) -> None:
    with pytest.raises(ReviewNotFound):
        dismiss("customers:NOPE")
    with pytest.raises(ReviewNotFound):
        dismiss("nonsense")
    with pytest.raises(InvalidInput) as missing:
        runtime.review_decisions().resolve(held["CV-9"], ReviewDecision(action="attach"), by=ADMIN)
    assert (missing.value.code, missing.value.field) == ("missing_field", "customer")
    with pytest.raises(InvalidReference) as unknown:
        attach(held["CV-9"], "PL404")
    assert (unknown.value.code, unknown.value.field) == ("invalid_customer", "customer")
    with pytest.raises(ReviewNotAttachable):
        attach(held["not_json"], "PL1")
    assert all(stored(review_id).status == "open" for review_id in held.values())


def test_a_legacy_id_another_customer_has_and_a_booking_already_imported_are_409(
    domain: Domain, held: dict[str, str]
) -> None:
    domain.create("9000000004")
    domain.profiles.attach_legacy_ids("9000000004", ["CUST-77"])
    with pytest.raises(LegacyIdTaken):
        attach(held["CUST-77"], "PL1")
    first = attach(held["5f1d7a2b9c0e4a0012345678"], "PL1")
    again = stored(held["5f1d7a2b9c0e4a0012345678"])
    again.status, again.action = "open", None  # the same legacy booking held a second time
    again.save()
    with pytest.raises(BookingExists, match=first.booking.booking_id if first.booking else "?"):
        attach(again.review_id, "9000000004")


def test_each_resolution_moves_the_dashboard_counters_in_its_transaction(domain: Domain, held: dict[str, str]) -> None:
    domain.create("9000000005")
    before = stats.read_totals()
    dismiss(held["not_json"])
    attach(held["AU-7"], "9000000005")  # gains an email and a login
    attach(held["5f1d7a2b9c0e4a0012345678"], "PL1")
    after = stats.read_totals()
    moved = {name: after.get(name, 0) - before.get(name, 0) for name in set(after) | set(before)}
    months = {name: value for name, value in moved.items() if value and name.startswith("month#")}
    # the attached booking counts in its own (legacy) month too: one booking, its amount
    assert sorted(name.rsplit("#", 1)[1] for name in months) == ["bookings", "revenue"]
    assert sorted(months.values()) == [1, Decimal("249.5")]
    assert {name: value for name, value in moved.items() if value and not name.startswith("month#")} == {
        "review.open": -3,
        "review.open#not_json": -1,
        "review.open#no_phone_email_unmatched": -1,
        "review.open#booking_reference_unknown": -1,
        "customers.with_email": 1,
        "customers.with_login": 1,
        "bookings.total": 1,
        "bookings.spent": Decimal("249.5"),
    }


def test_the_handlers_list_and_resolve_for_admins_only(invoke, held: dict[str, str]) -> None:
    query = {"collection": "auth_users", "limit": "1"}
    listed = load_event("list_review") | {
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {name: [value] for name, value in query.items()},
    }
    status, body = invoke("list_review", listed)
    assert status == 200 and len(body["items"]) == 1 and body["next_cursor"]
    assert "source_line" not in body["items"][0] and LEGACY_HASH not in json.dumps(body)
    event = load_event("resolve_review")
    event = event | {"pathParameters": {"review_id": held["CUST-77"]}}
    for payload, status_code, code, field in (
        ({"action": "merge", "customer": "PL1"}, 422, "invalid_action", "action"),
        ({"action": "attach"}, 422, "missing_field", "customer"),
        ({"action": "attach", "customer": "PL404"}, 422, "invalid_customer", "customer"),
    ):
        status, body = invoke("resolve_review", event | {"body": json.dumps(payload)})
        assert (status, body["error"]["code"], body["error"]["field"]) == (status_code, code, field)
    status, body = invoke("resolve_review", event | {"pathParameters": {"review_id": "customers:NOPE"}})
    assert (status, body["error"]["code"]) == (404, "review_not_found")
    customer_token = session_token("cus_x")
    assert invoke("resolve_review", event, token=customer_token)[0] == 403
    assert invoke("list_review", token=customer_token)[0] == 403
    status, body = invoke("resolve_review", event)
    assert status == 200 and body["review"]["resolution"]["by"] == invoke.admin_id
    assert "CUST-77" in body["customer"]["legacy_ids"]
    assert invoke("resolve_review", event)[1]["error"]["code"] == "review_already_resolved"
