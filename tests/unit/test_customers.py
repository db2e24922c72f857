"""The customer domain against moto in-process: identity, numbering, aliases, updates, listing."""

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

from customer_identity.core.errors import (
    CustomerNotFound,
    EmailTaken,
    InvalidCursor,
    InvalidInput,
    InvalidPhone,
    LegacyIdTaken,
    NextNumberTooLow,
    PhoneTaken,
)
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.storage import keys
from customer_identity.storage.entities import CounterItem, CustomerItem
from tests.unit.conftest import WRITE_OPERATIONS, Domain, build_domain

# --- find-or-create -------------------------------------------------------------------------


def test_first_request_creates_and_later_ones_find_the_same_customer(domain: Domain) -> None:
    first = domain.create("9717619183", name="Asha", email="Asha@Example.com", area="Indiranagar")
    again = domain.create("+91 97176 19183")
    assert first.created is True and again.created is False
    assert again.customer == first.customer
    assert first.customer.customer_number == "PL1"
    assert first.customer.phone == "+919717619183"
    assert first.customer.email == "asha@example.com"
    assert first.customer.status == "active"


def test_post_never_overwrites_an_existing_customer_and_says_what_it_ignored(domain: Domain) -> None:
    domain.create("9717619183", name="Asha", area="Indiranagar")
    again = domain.create("09717619183", name="Someone else", area="Indiranagar", status="paused")
    assert again.customer.name == "Asha"
    assert again.customer.status == "active"
    assert again.ignored_fields == ["name", "status"]


def test_numbers_are_issued_in_creation_order_from_the_configured_start(domain: Domain) -> None:
    numbers = [domain.create(f"98000000{i:02d}").customer.customer_number for i in range(5)]
    assert numbers == ["PL1", "PL2", "PL3", "PL4", "PL5"]


def test_prefix_and_start_come_from_settings(aws: None, environment: Callable[..., None]) -> None:
    environment(CUSTOMER_NUMBER_PREFIX="CC", CUSTOMER_NUMBER_START="500")
    domain = build_domain()
    assert domain.create("9800000001").customer.customer_number == "CC500"
    assert domain.create("9800000002").customer.customer_number == "CC501"
    assert domain.resolver.resolve("cc501").item.phone == "+919800000002"


def test_invalid_phone_creates_nothing(domain: Domain) -> None:
    with pytest.raises(InvalidPhone):
        domain.create("555-1234")
    assert domain.listing.customers(status=None, area=None, limit=10, cursor=None).items == []


def test_email_is_unique_across_customers_and_the_loser_writes_nothing(domain: Domain) -> None:
    domain.create("9800000001", email="same@example.com")
    with pytest.raises(EmailTaken):
        domain.create("9800000002", email="SAME@example.com")
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve("9800000002")
    assert domain.create("9800000003").customer.customer_number == "PL2"  # no number burnt


def test_a_racer_that_lost_the_counter_takes_the_contended_path_without_a_gap(
    domain: Domain, on_call: Callable[[str, Callable[[], object]], None], requests_made: Counter[str]
) -> None:
    domain.create("9800000001")
    # Another create moves the counter right after this request read it.
    on_call("BatchGetItem", lambda: domain.create("9800000003"))
    created = domain.create("9800000002")
    assert created.created is True and created.customer.customer_number == "PL3"
    assert domain.resolver.resolve("PL2").item.phone == "+919800000003"
    assert domain.create("9800000004").customer.customer_number == "PL4"
    counter = CounterItem.get(*keys.COUNTER_KEY)
    assert not [name for name in counter.attribute_values if name.startswith("reserved")]  # released


def test_a_create_that_dies_after_taking_its_number_leaves_no_gap(
    aws: None, environment: Callable[..., None], on_call: Callable[[str, Callable[[], object]], None]
) -> None:
    environment(CLAIM_ABANDONED_AFTER_SECONDS="0.2")
    domain = build_domain()
    domain.create("9800000001")
    on_call("BatchGetItem", lambda: domain.create("9800000003"))  # forces the contended path

    def die() -> None:
        raise SystemExit("the execution environment died")

    on_call("UpdateItem", die)  # right after the number was taken, before the customer is finalized
    with pytest.raises(SystemExit):
        domain.create("9800000002")
    time.sleep(0.3)
    again = domain.create("9800000002")  # the client retries: the abandoned claim is finished
    assert again.created is False and again.customer.customer_number == "PL3"
    assert domain.create("9800000004").customer.customer_number == "PL4"
    numbers = sorted(domain.resolver.resolve(f"98000000{i:02d}").item.customer_number for i in range(1, 5))
    assert numbers == [1, 2, 3, 4]


@pytest.fixture
def abandoned_claim(domain: Domain) -> CustomerItem:
    """A customer whose creator died after claiming the phone, before taking a number."""
    claim = CustomerItem(
        customer_id="cus_abandoned",
        phone="+919800000009",
        status="active",
        created_at="2026-01-01T00:00:00.000Z",
        updated_at="2026-01-01T00:00:00.000Z",
        pending_since=time.time() - 3600,
        revision=1,
    )
    claim.save()
    return claim


def test_a_claim_abandoned_by_a_crashed_request_is_adopted_by_the_next_write(
    domain: Domain, abandoned_claim: CustomerItem
) -> None:
    found = domain.create("9800000009")
    assert found.created is False
    assert found.customer.customer_id == abandoned_claim.customer_id
    assert found.customer.customer_number == "PL1"


def test_reads_never_write_not_even_to_finish_an_abandoned_claim(
    domain: Domain, abandoned_claim: CustomerItem, requests_made: Counter[str]
) -> None:
    with pytest.raises(CustomerNotFound):
        domain.reader.resolve("9800000009")
    assert not WRITE_OPERATIONS & set(requests_made)
    assert CustomerItem.get(*keys.phone_key("+919800000009")).customer_number is None


@pytest.fixture
def denied_updates(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``UpdateItem`` is refused as IAM refuses it to a function without write permission."""
    original = botocore.client.BaseClient._make_api_call

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "UpdateItem":
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, operation)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)


def test_adopting_surfaces_errors_other_than_a_lost_race(
    domain: Domain, abandoned_claim: CustomerItem, denied_updates: None
) -> None:
    started = time.monotonic()
    with pytest.raises(Exception, match="AccessDenied"):
        domain.resolver.resolve("9800000009")
    assert time.monotonic() - started < 1  # not retried until the contention budget runs out


# --- request budget -------------------------------------------------------------------------


def test_round_trips_per_operation(domain: Domain, requests_made: Counter[str]) -> None:
    domain.create("9717619183")
    assert requests_made == Counter({"BatchGetItem": 1, "TransactWriteItems": 1})
    requests_made.clear()
    domain.create("9717619183")
    assert requests_made == Counter({"BatchGetItem": 1})
    requests_made.clear()
    domain.resolver.resolve("user_9717619183")
    assert requests_made == Counter({"GetItem": 1})
    requests_made.clear()
    domain.resolver.resolve("PL1")
    assert requests_made == Counter({"GetItem": 2})
    assert "DescribeTable" not in requests_made


# --- resolution -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        ("<customer_id>", "customer_id"),
        ("PL1", "customer_number"),
        ("pl1", "customer_number"),
        ("9717619183", "phone"),
        ("user_9717619183", "phone"),
        ("+91 97176 19183", "phone"),
        ("ASHA@example.com", "email"),
        ("CUST-000123", "legacy_id"),
        ("5f8d0a3b9c1e4a2b3c4d5e6f", "legacy_id"),
    ],
)
def test_every_kind_of_reference_resolves_to_the_same_customer(domain: Domain, ref: str, kind: str) -> None:
    customer = domain.create("9717619183", email="asha@example.com").customer
    domain.profiles.attach_legacy_ids(customer.customer_id, ["CUST-000123", "5f8d0a3b9c1e4a2b3c4d5e6f"])
    resolved = domain.resolver.resolve(customer.customer_id if ref == "<customer_id>" else ref)
    assert (resolved.item.customer_id, resolved.kind) == (customer.customer_id, kind)


@pytest.mark.parametrize("ref", ["PL99", "9800000000", "cus_unknown", "nobody@example.com", "CUST-404", "", "x" * 300])
def test_unknown_references_are_not_found(domain: Domain, ref: str) -> None:
    domain.create("9717619183")
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve(ref)


def test_a_legacy_id_belongs_to_one_customer_only(domain: Domain) -> None:
    domain.create("9800000001")
    domain.create("9800000002")
    domain.profiles.attach_legacy_ids("PL1", ["CUST-1"])
    assert domain.profiles.attach_legacy_ids("PL1", ["CUST-1"]).legacy_ids == ["CUST-1"]  # idempotent
    with pytest.raises(LegacyIdTaken):
        domain.profiles.attach_legacy_ids("PL2", ["CUST-2", "CUST-1"])
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve("CUST-2")  # the refused call wrote nothing


# --- updates --------------------------------------------------------------------------------


def test_phone_change_keeps_id_and_number_frees_the_old_phone_and_moves_every_alias(domain: Domain) -> None:
    before = domain.create("9717619183", email="asha@example.com").customer
    domain.profiles.attach_legacy_ids("PL1", ["CUST-7"])
    after = domain.profiles.update("PL1", CustomerChanges(phone="98111 11111", name="Asha K"))
    assert (after.customer_id, after.customer_number) == (before.customer_id, before.customer_number)
    assert after.phone == "+919811111111" and after.name == "Asha K"
    for ref in (before.customer_id, "PL1", "asha@example.com", "CUST-7", "9811111111"):
        assert domain.resolver.resolve(ref).item.phone == "+919811111111"
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve("9717619183")
    reused = domain.create("9717619183")
    assert reused.created is True and reused.customer.customer_number == "PL2"


def test_a_customer_with_more_legacy_ids_than_a_transaction_holds_can_change_phone(domain: Domain) -> None:
    domain.create("9717619183")
    legacy_ids = [f"CUST-{i:04d}" for i in range(150)]
    domain.profiles.attach_legacy_ids("PL1", legacy_ids[:90])
    domain.profiles.attach_legacy_ids("PL1", legacy_ids[90:])
    moved = domain.profiles.update("PL1", CustomerChanges(phone="9811111111"))
    assert moved.phone == "+919811111111" and len(moved.legacy_ids) == 150
    for legacy in (legacy_ids[0], legacy_ids[89], legacy_ids[149]):
        resolved = domain.resolver.resolve(legacy)
        assert (resolved.item.customer_number, resolved.kind) == (1, "legacy_id")
    domain.create("9717619183")  # the old phone is another customer now: stale hints must not lead there
    assert domain.resolver.resolve(legacy_ids[7]).item.customer_number == 1


def test_phone_change_to_a_phone_another_customer_owns_is_refused(domain: Domain) -> None:
    domain.create("9800000001")
    domain.create("9800000002")
    with pytest.raises(PhoneTaken):
        domain.profiles.update("PL1", CustomerChanges(phone="9800000002"))
    assert domain.resolver.resolve("PL1").item.phone == "+919800000001"


def test_email_change_moves_the_marker_and_refuses_a_taken_email(domain: Domain) -> None:
    domain.create("9800000001", email="a@example.com")
    domain.create("9800000002", email="b@example.com")
    domain.profiles.update("PL1", CustomerChanges(email="c@example.com"))
    assert domain.resolver.resolve("c@example.com").item.customer_number == 1
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve("a@example.com")
    with pytest.raises(EmailTaken):
        domain.profiles.update("PL1", CustomerChanges(email="b@example.com"))
    cleared = domain.profiles.update("PL1", CustomerChanges(email=None))
    assert cleared.email is None
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve("c@example.com")


@pytest.mark.parametrize("field", ["phone", "status"])
def test_required_fields_cannot_be_removed(domain: Domain, field: str) -> None:
    domain.create("9800000001")
    with pytest.raises(InvalidInput) as raised:
        domain.profiles.update("PL1", CustomerChanges.model_validate({field: None}))
    assert raised.value.field == field


def test_an_update_without_changes_writes_nothing(domain: Domain, requests_made: Counter[str]) -> None:
    customer = domain.create("9800000001", name="Asha").customer
    requests_made.clear()
    assert domain.profiles.update("PL1", CustomerChanges(name="Asha")) == customer
    assert "TransactWriteItems" not in requests_made


# --- numbering ------------------------------------------------------------------------------


def test_next_number_can_move_up_but_never_to_or_below_an_issued_one(domain: Domain) -> None:
    for i in range(3):
        domain.create(f"980000000{i}")
    with pytest.raises(NextNumberTooLow) as raised:
        domain.numbering.set_next(3)
    assert raised.value.last_issued == 3
    state = domain.numbering.set_next(24)
    assert (state.next_customer_number, state.last_issued) == ("PL24", "PL3")
    assert domain.create("9800000010").customer.customer_number == "PL24"
    assert domain.create("9800000011").customer.customer_number == "PL25"
    state = domain.numbering.set_next(26)  # right after the last issued number is allowed
    assert state.next_number == 26


def test_next_number_can_be_set_before_any_customer_exists(domain: Domain) -> None:
    assert domain.numbering.set_next(1000).next_customer_number == "PL1000"
    assert domain.create("9800000001").customer.customer_number == "PL1000"


# --- listing --------------------------------------------------------------------------------


def test_pages_cover_every_customer_once_in_number_order(domain: Domain) -> None:
    for i in range(7):
        domain.create(f"980000000{i}", status="paused" if i % 2 else "active", area="North" if i < 4 else "South")
    seen, cursor = [], None
    while True:
        page = domain.listing.customers(status=None, area=None, limit=3, cursor=cursor)
        seen += [c.customer_number for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"PL{i}" for i in range(1, 8)]
    paused = domain.listing.customers(status="paused", area=None, limit=10, cursor=None)
    assert [c.customer_number for c in paused.items] == ["PL2", "PL4", "PL6"]
    north_active = domain.listing.customers(status="active", area="  north ", limit=10, cursor=None)
    assert [c.customer_number for c in north_active.items] == ["PL1", "PL3"]
    assert len(domain.listing.customers(status=None, area="South", limit=10, cursor=None).items) == 3


def test_listing_queries_one_index_page_and_never_scans(domain: Domain, requests_made) -> None:
    for i in range(5):
        domain.create(f"980000000{i}")
    requests_made.clear()
    domain.listing.customers(status="active", area=None, limit=2, cursor=None)
    # the index holds keys: the page's customers are read back by one BatchGetItem (docs/cost.md)
    assert requests_made == Counter({"Query": 1, "BatchGetItem": 1})


def test_cursors_are_checked(domain: Domain) -> None:
    for i in range(3):
        domain.create(f"980000000{i}", status="active")
    cursor = domain.listing.customers(status=None, area=None, limit=1, cursor=None).next_cursor
    assert cursor
    with pytest.raises(InvalidCursor):  # a cursor from another listing
        domain.listing.customers(status="active", area=None, limit=1, cursor=cursor)
    with pytest.raises(InvalidInput):
        domain.listing.customers(status=None, area=None, limit=0, cursor=None)


@pytest.mark.parametrize("cursor", ["abc", "eyJ4IjoxfQ", "!!!", "e30"])
def test_a_cursor_this_api_did_not_return_is_refused(domain: Domain, cursor: str) -> None:
    domain.create("9800000001")
    with pytest.raises(InvalidCursor):
        domain.listing.customers(status=None, area=None, limit=1, cursor=cursor)


def test_a_transaction_conflict_while_finalizing_is_retried_not_a_failure(
    domain: Domain, on_call: Callable[[str, Callable[[], object]], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    domain.create("9800000001")
    on_call("BatchGetItem", lambda: domain.create("9800000003"))  # forces the contended path
    original = botocore.client.BaseClient._make_api_call
    transactions = []

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            transactions.append(params)
            finalizing = (
                any(
                    op.get("Put", {}).get("Item", {}).get("pk", {}).get("S", "").startswith("NUMBER#")
                    for op in params["TransactItems"]
                )
                and len(params["TransactItems"]) == 2
            )
            if finalizing and len(transactions) < 6:
                reasons = [{"Code": "TransactionConflict"}, {"Code": "None"}]
                raise ClientError(
                    {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons}, operation
                )
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    created = domain.create("9800000002")
    assert created.created is True and created.customer.customer_number == "PL3"
    assert domain.create("9800000004").customer.customer_number == "PL4"
