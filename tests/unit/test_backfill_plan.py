"""The backfill's plan against the generated export's ground truth (no table involved): who is one
person, which record founds it, which values are kept, what is held for review and why."""

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from customer_identity.use_cases.backfill.planner import Plan, plan
from customer_identity.use_cases.backfill.planning import read_lines
from customer_identity.use_cases.backfill.workspace import LocalWorkspace
from devserver.legacy_export import generate


@pytest.fixture(scope="module", params=["IN", "US"])
def planned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Plan, dict[str, Any]]:
    folder: Path = tmp_path_factory.mktemp(f"export-{request.param}")
    truth = generate(folder, persons=300, seed=17, region=request.param)
    result = plan(read_lines(LocalWorkspace(folder), request.param, hashlib.sha256()), request.param)
    return result, truth


def outcomes_of(result: Plan) -> dict[str, dict[int, str]]:
    """The outcome of every line on an empty table, as the write step reports it."""
    found: dict[str, dict[int, str]] = {}

    def put(collection: str, line: int, outcome: str) -> None:
        assert line not in found.setdefault(collection, {}), (collection, line)
        found[collection][line] = outcome

    for person in result.persons:
        for position, row in enumerate(person.rows):
            put(row.collection, row.line, "created" if position == 0 else "merged")
        for booking in person.bookings:
            put("bookings", booking.line, "booking")
    for person in result.booking_only:  # phones only bookings name: nobody has them on an empty table
        for booking in person.bookings:
            put("bookings", booking.line, "review")
    for person in result.shared:  # a phone of many names: every row and booking held as one item
        for row in person.rows:
            put(row.collection, row.line, "review")
        for booking in person.bookings:
            put("bookings", booking.line, "review")
    for staff in result.staff:
        put(staff.collection, staff.line, "staff")
    for held in result.held:
        put(held.record.collection, held.record.line, "review")
    for record in result.duplicates:
        put(record.collection, record.line, "duplicate")
    return found


def test_every_line_gets_the_outcome_the_truth_expects(planned: tuple[Plan, dict[str, Any]]) -> None:
    result, truth = planned
    found = outcomes_of(result)
    assert result.rows_total == truth["counts"]["rows_total"]
    for collection, expected in truth["rows"].items():
        assert [found[collection][line] for line in range(1, len(expected) + 1)] == expected, collection


def test_held_rows_carry_the_truths_reasons(planned: tuple[Plan, dict[str, Any]]) -> None:
    result, truth = planned
    held = {(h.record.collection, h.record.line): h.reason for h in result.held}
    held |= {("bookings", b.line): "booking_reference_unknown" for p in result.booking_only for b in p.bookings}
    held |= {(r.collection, r.line): "shared_phone" for p in result.shared for r in [*p.rows, *p.bookings]}
    assert held == {(h["collection"], h["line"]): h["reason"] for h in truth["held"]}


def test_persons_are_numbered_in_order_of_their_oldest_record_with_the_kept_values(
    planned: tuple[Plan, dict[str, Any]],
) -> None:
    result, truth = planned
    expected = sorted(truth["persons"], key=lambda person: person["expected_number"])
    assert [person.phone for person in result.persons] == [person["phone"] for person in expected]
    for person, want in zip(result.persons, expected, strict=True):
        assert person.fields.get("name") == want["name"], want["phone"]
        assert person.email == want["email"], want["phone"]
        assert person.fields.get("address") == want["profile"]["address"]
        assert person.fields.get("status") == want["profile"]["status"]
        assert person.fields.get("delivery_person") == want["profile"]["delivery_person"]
        balance = person.fields.get("previous_balance")
        assert (str(balance) if balance is not None else None) == want["profile"]["previous_balance"]
        assert person.total_bookings == want["bookings"]
        assert person.total_spent == Decimal(want["total_spent"])
        assert sorted(b.legacy_id for b in person.bookings) == sorted(want["booking_ids"])
        assert [
            (r.collection, r.legacy_id) for r in sorted(person.rows, key=lambda r: (r.collection, r.legacy_id))
        ] == sorted((i["collection"], i["id"]) for i in want["legacy_ids"])
        login_hash_owner = person.login.legacy_id if person.login else None
        assert (login_hash_owner is None) == (want["login"] is None)


def test_conflicting_values_are_reported_never_dropped(planned: tuple[Plan, dict[str, Any]]) -> None:
    result, truth = planned
    mine = {(p.phone, c["field"]) for p in result.persons for c in p.conflicts}
    theirs = {(p["phone"], c["field"]) for p in truth["persons"] for c in p["conflicts"]}
    assert mine == theirs
    assert any(field == "name" for _, field in mine)  # a family phone with two names


def test_the_unmapped_field_names_are_counted_per_collection_as_the_truth_counts_them(
    planned: tuple[Plan, dict[str, Any]],
) -> None:
    result, truth = planned
    assert result.unmapped == truth["unmapped_fields"]
    assert result.unmapped["customers_v2"]["landmark"] > 0  # a key nobody listed


OPERATIONAL = (
    "map_link",
    "house_image_url",
    "location",
    "trial_start_date",
    "marketing_person",
    "marketing_person_name",
)


def test_the_operational_fields_keep_the_truths_values(planned: tuple[Plan, dict[str, Any]]) -> None:
    result, truth = planned
    by_phone = {person.phone: person for person in result.persons}
    seen = dict.fromkeys(OPERATIONAL, 0)
    for want in truth["persons"]:
        person = by_phone[want["phone"]]
        for name in OPERATIONAL:
            assert person.fields.get(name) == want["profile"][name], (want["phone"], name)
            seen[name] += want["profile"][name] is not None
    assert all(seen.values()), seen  # every field is exercised
