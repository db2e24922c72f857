"""The customer domain against moto in-process: identity, numbering, aliases, updates, listing."""

import time
from collections import Counter

import pytest

from customer_identity import table
from customer_identity.customers import CustomerService
from customer_identity.errors import (
    CustomerNotFound,
    EmailTaken,
    InvalidCursor,
    InvalidInput,
    InvalidPhone,
    LegacyIdTaken,
    NextNumberTooLow,
    PhoneTaken,
)
from customer_identity.models import CustomerChanges, NewCustomer


def create(service: CustomerService, phone: str, **fields: object):
    return service.find_or_create(NewCustomer(phone=phone, **fields))


# --- find-or-create -------------------------------------------------------------------------


def test_first_request_creates_and_later_ones_find_the_same_customer(service: CustomerService) -> None:
    first = create(service, "9717619183", name="Asha", email="Asha@Example.com", area="Indiranagar")
    again = create(service, "+91 97176 19183")
    assert first.created is True and again.created is False
    assert again.customer == first.customer
    assert first.customer.customer_number == "PL1"
    assert first.customer.phone == "+919717619183"
    assert first.customer.email == "asha@example.com"
    assert first.customer.status == "active"


def test_post_never_overwrites_an_existing_customer_and_says_what_it_ignored(service: CustomerService) -> None:
    create(service, "9717619183", name="Asha", area="Indiranagar")
    again = create(service, "09717619183", name="Someone else", area="Indiranagar", status="paused")
    assert again.customer.name == "Asha"
    assert again.customer.status == "active"
    assert again.ignored_fields == ["name", "status"]


def test_numbers_are_issued_in_creation_order_from_the_configured_start(service: CustomerService) -> None:
    numbers = [create(service, f"98000000{i:02d}").customer.customer_number for i in range(5)]
    assert numbers == ["PL1", "PL2", "PL3", "PL4", "PL5"]


def test_prefix_and_start_come_from_settings(aws: None, settings) -> None:
    service = CustomerService(
        settings.model_copy(update={"customer_number_prefix": "CC", "customer_number_start": 500})
    )
    assert create(service, "9800000001").customer.customer_number == "CC500"
    assert create(service, "9800000002").customer.customer_number == "CC501"
    assert service.resolve("cc501").item.phone == "+919800000002"


def test_invalid_phone_creates_nothing(service: CustomerService) -> None:
    with pytest.raises(InvalidPhone):
        create(service, "555-1234")
    assert service.list_customers(status=None, area=None, limit=10, cursor=None).items == []


def test_email_is_unique_across_customers_and_the_loser_writes_nothing(service: CustomerService) -> None:
    create(service, "9800000001", email="same@example.com")
    with pytest.raises(EmailTaken):
        create(service, "9800000002", email="SAME@example.com")
    with pytest.raises(CustomerNotFound):
        service.resolve("9800000002")
    assert create(service, "9800000003").customer.customer_number == "PL2"  # no number burnt


def test_a_racer_that_lost_the_counter_takes_the_contended_path_without_a_gap(service: CustomerService) -> None:
    create(service, "9800000001")
    _, stale_counter = service._read_customer_and_counter("+919800000002")
    create(service, "9800000003")  # moves the counter after the read
    draft = service._draft(NewCustomer(phone="9800000002"), "+919800000002", "9800000002", None)
    assert service._create_with_counter_as_read(draft, stale_counter) == (None, None)
    created, existing = service._create_claimed(draft, counter_exists=True)
    assert existing is None and created is not None
    assert service.to_customer(created).customer_number == "PL3"
    assert service.resolve("PL3").item.customer_id == created.customer_id
    assert create(service, "9800000004").customer.customer_number == "PL4"


def test_a_claim_abandoned_by_a_crashed_request_is_adopted(service: CustomerService) -> None:
    draft = service._draft(NewCustomer(phone="9800000009"), "+919800000009", "9800000009", None)
    draft.pending_since = time.time() - 3600  # its owner died before taking a number
    draft.refresh_keys()
    draft.save()
    table.alias_item(
        table.customer_id_key(draft.customer_id),
        kind="customer_id",
        customer_id=draft.customer_id,
        phone=draft.phone,
        now=draft.created_at,
    ).save()
    found = create(service, "9800000009")
    assert found.created is False
    assert found.customer.customer_id == draft.customer_id
    assert found.customer.customer_number == "PL1"


# --- request budget -------------------------------------------------------------------------


def test_round_trips_per_operation(service: CustomerService, requests_made: Counter[str]) -> None:
    create(service, "9717619183")
    assert requests_made == Counter({"BatchGetItem": 1, "TransactWriteItems": 1})
    requests_made.clear()
    create(service, "9717619183")
    assert requests_made == Counter({"BatchGetItem": 1})
    requests_made.clear()
    service.resolve("user_9717619183")
    assert requests_made == Counter({"GetItem": 1})
    requests_made.clear()
    service.resolve("PL1")
    assert requests_made == Counter({"GetItem": 2})
    assert "DescribeTable" not in requests_made


# --- resolution -----------------------------------------------------------------------------


def test_every_kind_of_reference_resolves_to_the_same_customer(service: CustomerService) -> None:
    customer = create(service, "9717619183", email="asha@example.com").customer
    service.attach_legacy_ids(customer.customer_id, ["CUST-000123", "5f8d0a3b9c1e4a2b3c4d5e6f"])
    expected = {
        customer.customer_id: "customer_id",
        "PL1": "customer_number",
        "pl1": "customer_number",
        "9717619183": "phone",
        "user_9717619183": "phone",
        "+91 97176 19183": "phone",
        "ASHA@example.com": "email",
        "CUST-000123": "legacy_id",
        "5f8d0a3b9c1e4a2b3c4d5e6f": "legacy_id",
    }
    for ref, kind in expected.items():
        resolved = service.resolve(ref)
        assert (resolved.item.customer_id, resolved.kind) == (customer.customer_id, kind), ref


@pytest.mark.parametrize("ref", ["PL99", "9800000000", "cus_unknown", "nobody@example.com", "CUST-404", "", "x" * 300])
def test_unknown_references_are_not_found(service: CustomerService, ref: str) -> None:
    create(service, "9717619183")
    with pytest.raises(CustomerNotFound):
        service.resolve(ref)


def test_a_legacy_id_belongs_to_one_customer_only(service: CustomerService) -> None:
    create(service, "9800000001")
    create(service, "9800000002")
    service.attach_legacy_ids("PL1", ["CUST-1"])
    assert service.attach_legacy_ids("PL1", ["CUST-1"]).legacy_ids == ["CUST-1"]  # idempotent
    with pytest.raises(LegacyIdTaken):
        service.attach_legacy_ids("PL2", ["CUST-2", "CUST-1"])
    with pytest.raises(CustomerNotFound):
        service.resolve("CUST-2")  # the refused call wrote nothing


# --- updates --------------------------------------------------------------------------------


def test_phone_change_keeps_id_and_number_frees_the_old_phone_and_moves_every_alias(service: CustomerService) -> None:
    before = create(service, "9717619183", email="asha@example.com").customer
    service.attach_legacy_ids("PL1", ["CUST-7"])
    after = service.update("PL1", CustomerChanges(phone="98111 11111", name="Asha K"))
    assert (after.customer_id, after.customer_number) == (before.customer_id, before.customer_number)
    assert after.phone == "+919811111111" and after.name == "Asha K"
    for ref in (before.customer_id, "PL1", "asha@example.com", "CUST-7", "9811111111"):
        assert service.resolve(ref).item.phone == "+919811111111"
    with pytest.raises(CustomerNotFound):
        service.resolve("9717619183")
    reused = create(service, "9717619183")
    assert reused.created is True and reused.customer.customer_number == "PL2"


def test_phone_change_to_a_phone_another_customer_owns_is_refused(service: CustomerService) -> None:
    create(service, "9800000001")
    create(service, "9800000002")
    with pytest.raises(PhoneTaken):
        service.update("PL1", CustomerChanges(phone="9800000002"))
    assert service.resolve("PL1").item.phone == "+919800000001"


def test_email_change_moves_the_marker_and_refuses_a_taken_email(service: CustomerService) -> None:
    create(service, "9800000001", email="a@example.com")
    create(service, "9800000002", email="b@example.com")
    service.update("PL1", CustomerChanges(email="c@example.com"))
    assert service.resolve("c@example.com").item.customer_number == 1
    with pytest.raises(CustomerNotFound):
        service.resolve("a@example.com")
    with pytest.raises(EmailTaken):
        service.update("PL1", CustomerChanges(email="b@example.com"))
    cleared = service.update("PL1", CustomerChanges(email=None))
    assert cleared.email is None
    with pytest.raises(CustomerNotFound):
        service.resolve("c@example.com")


def test_required_fields_cannot_be_removed(service: CustomerService) -> None:
    create(service, "9800000001")
    for field in ("phone", "status"):
        with pytest.raises(InvalidInput) as raised:
            service.update("PL1", CustomerChanges.model_validate({field: None}))
        assert raised.value.field == field


def test_an_update_without_changes_writes_nothing(service: CustomerService, requests_made: Counter[str]) -> None:
    customer = create(service, "9800000001", name="Asha").customer
    requests_made.clear()
    assert service.update("PL1", CustomerChanges(name="Asha")) == customer
    assert "TransactWriteItems" not in requests_made


# --- numbering ------------------------------------------------------------------------------


def test_next_number_can_move_up_but_never_to_or_below_an_issued_one(service: CustomerService) -> None:
    for i in range(3):
        create(service, f"980000000{i}")
    with pytest.raises(NextNumberTooLow) as raised:
        service.set_next_number(3)
    assert raised.value.last_issued == 3
    state = service.set_next_number(24)
    assert (state.next_customer_number, state.last_issued) == ("PL24", "PL3")
    assert create(service, "9800000010").customer.customer_number == "PL24"
    assert create(service, "9800000011").customer.customer_number == "PL25"
    state = service.set_next_number(26)  # right after the last issued number is allowed
    assert state.next_number == 26


def test_next_number_can_be_set_before_any_customer_exists(service: CustomerService) -> None:
    assert service.set_next_number(1000).next_customer_number == "PL1000"
    assert create(service, "9800000001").customer.customer_number == "PL1000"


# --- listing --------------------------------------------------------------------------------


def test_pages_cover_every_customer_once_in_number_order(service: CustomerService) -> None:
    for i in range(7):
        create(service, f"980000000{i}", status="paused" if i % 2 else "active", area="North" if i < 4 else "South")
    seen, cursor = [], None
    while True:
        page = service.list_customers(status=None, area=None, limit=3, cursor=cursor)
        seen += [c.customer_number for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"PL{i}" for i in range(1, 8)]
    paused = service.list_customers(status="paused", area=None, limit=10, cursor=None)
    assert [c.customer_number for c in paused.items] == ["PL2", "PL4", "PL6"]
    north_active = service.list_customers(status="active", area="  north ", limit=10, cursor=None)
    assert [c.customer_number for c in north_active.items] == ["PL1", "PL3"]
    assert len(service.list_customers(status=None, area="South", limit=10, cursor=None).items) == 3


def test_listing_queries_one_index_page_and_never_scans(service: CustomerService, requests_made) -> None:
    for i in range(5):
        create(service, f"980000000{i}")
    requests_made.clear()
    service.list_customers(status="active", area=None, limit=2, cursor=None)
    assert requests_made == Counter({"Query": 1})


def test_cursors_are_checked(service: CustomerService) -> None:
    for i in range(3):
        create(service, f"980000000{i}", status="active")
    cursor = service.list_customers(status=None, area=None, limit=1, cursor=None).next_cursor
    assert cursor
    with pytest.raises(InvalidCursor):  # a cursor from another listing
        service.list_customers(status="active", area=None, limit=1, cursor=cursor)
    for bad in ("abc", "eyJ4IjoxfQ", "!!!"):
        with pytest.raises(InvalidCursor):
            service.list_customers(status=None, area=None, limit=1, cursor=bad)
    with pytest.raises(InvalidInput):
        service.list_customers(status=None, area=None, limit=0, cursor=None)
