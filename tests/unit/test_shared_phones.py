"""Junk and shared phones in the backfill: junk rows held and never merged on (a junk row with the email
of exactly one person joins it); a phone of five names held whole as one shared_phone item, resolved as
one customer with household members, or as separate customers (one keeps the phone; the others keep
their legacy ids, bookings and balances without one); households on bookings."""

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import CustomerNotFound, InvalidInput, ReviewAlreadyResolved, ReviewNotAttachable
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.core.models.households import MemberInput
from customer_identity.core.models.review import ReviewDecision
from customer_identity.storage.entities import ReviewItem
from customer_identity.use_cases.backfill.steps import Backfill
from tests.stats_oracle import assert_stats_match_scan
from tests.unit.conftest import TABLE, Domain

SHARED = "9811100001"
EXPORT: dict[str, list[Any]] = {
    "customers_v2": [
        {
            "id": "CV-1",
            "name": "Hostel Desk",
            "phone": SHARED,
            "previous_balance": "10.00",
            "created_at": "2021-01-01T00:00:00Z",
        },
        {
            "id": "CV-2",
            "name": "Meera Iyer",
            "phone": SHARED,
            "previous_balance": "5.50",
            "created_at": "2021-02-01T00:00:00Z",
        },
        {
            "id": "CV-3",
            "name": "Real Person",
            "phone": "9811100002",
            "email": "real@example.com",
            "created_at": "2021-01-01T00:00:00Z",
        },
    ],
    "otp_users": [
        {"_id": {"$oid": "65c9aeb8a1b2c3d4e5f60001"}, "name": "Tom Becker", "phone": SHARED},
        {"_id": {"$oid": "65c9aeb8a1b2c3d4e5f60002"}, "name": "Lina Haddad", "phone": SHARED},
        {"_id": {"$oid": "65c9aeb8a1b2c3d4e5f60003"}, "name": "Karan Gill", "phone": SHARED},
        {"_id": {"$oid": "65c9aeb8a1b2c3d4e5f60004"}, "name": "Stranger A", "phone": "9999999999"},
        {"_id": {"$oid": "65c9aeb8a1b2c3d4e5f60005"}, "name": "Stranger B", "phone": "9999999999"},
        {"_id": {"$oid": "65c9aeb8a1b2c3d4e5f60006"}, "name": "Stranger C", "phone": "0000000000"},
    ],
    "customers": [
        {"customer_id": "CUST-J", "name": "Real P", "email": "real@example.com", "phone": "1234567890"},
    ],
    "bookings": [
        {
            "_id": {"$oid": "5f1d7a2b9c0e4a0012340001"},
            "customer_id": f"user_{SHARED}",
            "amount": 100,
            "status": "completed",
        },
        {
            "_id": {"$oid": "5f1d7a2b9c0e4a0012340002"},
            "customer_id": "65c9aeb8a1b2c3d4e5f60002",
            "amount": 40,
            "status": "completed",
        },
        {
            "_id": {"$oid": "5f1d7a2b9c0e4a0012340003"},
            "customer_id": "user_9999999999",
            "amount": 7,
            "status": "completed",
        },
    ],
}


def imported(tmp_path: Path) -> dict[str, Any]:
    for collection, rows in EXPORT.items():
        (tmp_path / f"{collection}.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    steps = Backfill(runtime.config(), writers=1)
    planned = steps.plan({"source": str(tmp_path)})
    for chunk in planned["chunks"]:
        steps.write(chunk)
    return steps.report({"plan": planned})


def reviews() -> dict[str, ReviewItem]:
    return {item.review_id: item for item in ReviewItem.scan() if isinstance(item, ReviewItem)}


def stats_match_scan() -> dict[str, Any]:
    stats = runtime.dashboard()().model_dump(mode="json")
    return assert_stats_match_scan(stats, boto3.client("dynamodb", region_name="us-east-1"), TABLE)


def decide(action: str, keeper: str | None = None):
    return runtime.review_decisions().resolve(
        f"shared_phones:+91{SHARED}", ReviewDecision(action=action, keeper=keeper), by="stf_admin"
    )


def test_junk_rows_are_held_and_never_merged_and_a_shared_phone_is_one_item(domain: Domain, tmp_path: Path) -> None:
    imported(tmp_path)
    held = reviews()
    junk = sorted(r.review_id for r in held.values() if r.reason == "junk_phone")
    assert junk == [
        "bookings:5f1d7a2b9c0e4a0012340003",
        "otp_users:65c9aeb8a1b2c3d4e5f60004",
        "otp_users:65c9aeb8a1b2c3d4e5f60005",
        "otp_users:65c9aeb8a1b2c3d4e5f60006",
    ]
    shared = [r for r in held.values() if r.reason == "shared_phone"]
    assert [r.review_id for r in shared] == [f"shared_phones:+91{SHARED}"]
    row = json.loads(shared[0].row)
    assert len(row["rows"]) == 5 and len(row["bookings"]) == 2 and len(row["names"]) == 5
    # the junk row carrying a real person's email joined that person; nobody was made of the junk phones
    real = domain.resolver.resolve("real@example.com").item
    assert real.legacy_ids == {"CV-3", "CUST-J"}
    with pytest.raises(CustomerNotFound):
        domain.resolver.resolve(f"+91{SHARED}")
    assert stats_match_scan()["customers"]["total"] == 1


def test_a_shared_phone_resolved_as_a_household(domain: Domain, tmp_path: Path) -> None:
    imported(tmp_path)
    outcome = decide("household")
    assert len(outcome.customers) == 1
    household = outcome.customers[0]
    assert household.phone == f"+91{SHARED}" and household.name == "Hostel Desk"
    assert sorted(m.name for m in household.members) == ["Karan Gill", "Lina Haddad", "Meera Iyer", "Tom Becker"]
    assert (
        len(household.legacy_ids) == 5 and household.total_bookings == 2 and str(household.previous_balance) == "15.50"
    )
    with pytest.raises(ReviewAlreadyResolved):
        decide("separate")
    stats = stats_match_scan()
    assert stats["customers"]["total"] == 2 and stats["bookings"]["total"] == 2


def test_a_shared_phone_resolved_as_separate_customers(domain: Domain, tmp_path: Path) -> None:
    imported(tmp_path)
    outcome = decide("separate", keeper="65c9aeb8a1b2c3d4e5f60002")  # Lina keeps the phone
    by_name = {c.name: c for c in outcome.customers}
    assert outcome.customers[0].name == "Lina Haddad" and len(by_name) == 5
    assert by_name["Lina Haddad"].phone == f"+91{SHARED}"
    assert all(c.phone is None for name, c in by_name.items() if name != "Lina Haddad")
    # the booking naming the phone and the one naming Lina's row are Lina's; Meera keeps her balance
    assert by_name["Lina Haddad"].total_bookings == 2
    assert str(by_name["Meera Iyer"].previous_balance) == "5.50" and by_name["Meera Iyer"].legacy_ids == ["CV-2"]
    numbers = sorted(int(c.customer_number.removeprefix("PL")) for c in outcome.customers)
    assert numbers == [2, 3, 4, 5, 6]  # after the one customer the backfill created: no gap
    assert domain.resolver.resolve("CV-2").item.name == "Meera Iyer"
    stats = stats_match_scan()
    assert stats["customers"]["total"] == 6 and stats["customers"]["without_phone"] == 4


def test_attach_is_refused_and_household_is_for_shared_phones_only(domain: Domain, tmp_path: Path) -> None:
    imported(tmp_path)
    with pytest.raises(ReviewNotAttachable):
        runtime.review_decisions().resolve(
            f"shared_phones:+91{SHARED}", ReviewDecision(action="attach", customer="PL1"), by="stf_admin"
        )
    with pytest.raises(InvalidInput):
        runtime.review_decisions().resolve(
            "otp_users:65c9aeb8a1b2c3d4e5f60004", ReviewDecision(action="household"), by="stf_admin"
        )


def test_members_are_edited_and_bookings_name_them(domain: Domain) -> None:
    domain.create("9717619183")
    customer = domain.profiles.update("PL1", CustomerChanges(members=[MemberInput(name="Riya", relation="child")]))
    member = customer.members[0]
    assert (member.name, member.relation) == ("Riya", "child") and member.member_id.startswith("mem_")
    booked = domain.bookings.create(
        NewBooking(customer="PL1", service="haircut", amount="5.00", member_id=member.member_id)
    )
    assert booked.booking.member_id == member.member_id
    with pytest.raises(InvalidInput) as raised:
        domain.bookings.create(
            NewBooking(customer="PL1", service="haircut", amount="5.00", member_id="mem_0000000000000000")
        )
    assert raised.value.code == "invalid_member_id" and raised.value.field == "member_id"
    kept = domain.profiles.update(
        "PL1", CustomerChanges(members=[MemberInput(member_id=member.member_id, name="Riya K")])
    )
    assert kept.members[0].member_id == member.member_id


def names_found(domain: Domain, q: str, **filters: Any) -> list[str | None]:
    page = domain.listing.customers(q=q, limit=10, cursor=None, status=filters.get("status"), area=None)
    return [customer.customer_number for customer in page.items]


def test_a_name_search_finds_a_customer_by_a_member_s_name_once_and_forgets_removed_members(domain: Domain) -> None:
    domain.create("9717619183", name="Sunita Rao")
    domain.create("9717619184", name="Riya Kapoor")
    riya = MemberInput(name="Riya Rao", relation="child")
    member = domain.profiles.update("PL1", CustomerChanges(members=[riya, MemberInput(name="Arjun Rao")])).members[0]
    assert names_found(domain, "riya") == ["PL2", "PL1"]  # in name order: "riya kapoor", then the member
    assert names_found(domain, "rao") == ["PL1"]  # the customer's last word and two members: once
    assert names_found(domain, "arjun") == ["PL1"]
    assert names_found(domain, "riya", status="active") == ["PL2"]  # a filtered search lists customers only
    domain.profiles.update("PL1", CustomerChanges(members=[MemberInput(member_id=member.member_id, name="Tara Rao")]))
    assert names_found(domain, "riya") == ["PL2"] and names_found(domain, "tara") == ["PL1"]
    assert names_found(domain, "arjun") == []  # removed with the list that left it out
    runtime.merges().merge("PL1", "PL2", by="stf_admin")
    assert names_found(domain, "tara") == ["PL2"]  # a merged-away customer's member leads to the survivor
    stats_match_scan()


def test_a_household_resolved_from_a_shared_phone_is_found_by_its_members_names(domain: Domain, tmp_path: Path) -> None:
    imported(tmp_path)
    household = decide("household").customers[0]
    assert names_found(domain, "meera") == [household.customer_number]
    assert names_found(domain, "gill") == [household.customer_number]
