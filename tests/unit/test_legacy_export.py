"""The legacy export generator: every messy shape is in the files, and truth.json accounts for every line."""

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import bcrypt
import phonenumbers
import pytest

from devserver import legacy_export
from devserver.legacy_export import COLLECTIONS, IDENTITY_COLLECTIONS, REVIEW_REASONS, STAFF_ROLES

PERSONS = 250
SEED = 7
OUTCOMES = {"created", "merged", "duplicate", "staff", "booking", "review"}


@dataclass(frozen=True)
class Generated:
    out: Path
    truth: dict[str, Any]
    export: legacy_export.Export
    raw: dict[str, list[str]]  # the lines of each file, as written
    docs: dict[str, list[dict[str, Any] | None]]  # the same lines parsed (None: not JSON)

    def rows(self, *collections: str) -> Iterator[dict[str, Any]]:
        for collection in collections or COLLECTIONS:
            yield from (doc for doc in self.docs[collection] if doc is not None)

    def identity_rows(self) -> Iterator[dict[str, Any]]:
        for doc in self.rows(*IDENTITY_COLLECTIONS):
            if doc.get("role", "customer") == "customer":
                yield doc

    def values(self, *keys: str) -> Iterator[object]:
        for doc in self.rows():
            for key in keys:
                if key in doc:
                    yield doc[key]

    def phones(self) -> list[object]:
        return [doc.get("phone") for doc in self.identity_rows()]

    def legacy_id(self, collection: str, doc: dict[str, Any]) -> str:
        if collection in ("auth_users", "customers_v2"):
            return doc["id"]
        if collection == "customers":
            return doc["customer_id"]
        return doc["_id"]["$oid"]


def _parse(line: str) -> dict[str, Any] | None:
    try:
        return json.loads(line, parse_float=Decimal)
    except ValueError:
        return None


def _generate(out: Path, persons: int = PERSONS, seed: int = SEED, region: str = "IN") -> Generated:
    truth = legacy_export.generate(out, persons, seed, region)
    raw = {name: (out / f"{name}.jsonl").read_text(encoding="utf-8").split("\n")[:-1] for name in COLLECTIONS}
    docs = {name: [_parse(line) for line in lines] for name, lines in raw.items()}
    return Generated(out, truth, legacy_export.build_export(persons, seed, region), raw, docs)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return _generate(tmp_path_factory.mktemp("export"))


# ---- every messy shape is in the files ----------------------------------------------------------


def _is_date(value: object, check: Callable[[object], bool]) -> bool:
    return isinstance(value, dict) and "$date" in value and check(value["$date"])


def _wrapped(value: object, key: str) -> bool:
    return isinstance(value, dict) and set(value) == {key} and isinstance(value[key], str)


def _amounts(g: Generated) -> Iterator[object]:
    yield from g.values("amount", "previous_balance", "total_spent")
    for prices in g.values("custom_product_prices"):
        if isinstance(prices, dict):
            yield from prices.values()


def _stamps(g: Generated) -> Iterator[object]:
    return g.values("created_at", "createdAt")


def _strings(values: Iterator[object]) -> list[str]:
    return [value for value in values if isinstance(value, str)]


SHAPES: dict[str, Callable[[Generated], bool]] = {
    "$date relaxed": lambda g: any(_is_date(v, lambda d: isinstance(d, str) and d.endswith("Z")) for v in _stamps(g)),
    "$date canonical": lambda g: any(_is_date(v, lambda d: _wrapped(d, "$numberLong")) for v in _stamps(g)),
    "ISO string Z": lambda g: any(re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", v) for v in _strings(_stamps(g))),
    "ISO string +00:00": lambda g: any(v.endswith("+00:00") for v in _strings(_stamps(g))),
    "ISO string +05:30": lambda g: any(v.endswith("+05:30") for v in _strings(_stamps(g))),
    "ISO string naive": lambda g: any(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", v) for v in _strings(_stamps(g))),
    "YYYY-MM-DD HH:MM:SS": lambda g: any(
        re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", v) for v in _strings(_stamps(g))
    ),
    "no timestamp, ObjectId": lambda g: any(
        "createdAt" not in d and "_id" in d for d in g.rows("otp_users", "booking_users")
    ),
    "no timestamp, no ObjectId": lambda g: any("created_at" not in d for d in g.rows("customers_v2", "auth_users")),
    "$oid": lambda g: all(_wrapped(d["_id"], "$oid") for d in g.rows("otp_users", "booking_users", "bookings")),
    "$numberDecimal amount": lambda g: any(_wrapped(v, "$numberDecimal") for v in _amounts(g)),
    "$numberDouble amount": lambda g: any(_wrapped(v, "$numberDouble") for v in _amounts(g)),
    "plain decimal amount": lambda g: any(isinstance(v, Decimal) for v in _amounts(g)),
    "plain integer amount": lambda g: any(type(v) is int for v in _amounts(g)),
    "$numberLong amount": lambda g: any(_wrapped(v, "$numberLong") for v in _amounts(g)),
    "$numberLong integer": lambda g: any(_wrapped(v, "$numberLong") for v in g.values("total_bookings")),
    "$numberInt integer": lambda g: any(_wrapped(v, "$numberInt") for v in g.values("total_bookings")),
    "phone JSON number": lambda g: any(type(p) is int and len(str(p)) == 10 for p in g.phones()),
    "phone JSON number with 91": lambda g: any(
        type(p) is int and re.fullmatch(r"91\d{10}", str(p)) for p in g.phones()
    ),
    "phone $numberLong": lambda g: any(_wrapped(p, "$numberLong") for p in g.phones()),
    "phone 91 without +": lambda g: any(re.fullmatch(r"91\d{10}", p) for p in _strings(iter(g.phones()))),
    "phone 0091": lambda g: any(re.fullmatch(r"0091\d{10}", p) for p in _strings(iter(g.phones()))),
    "phone trunk 0": lambda g: any(re.fullmatch(r"0[6-9]\d{9}", p) for p in _strings(iter(g.phones()))),
    "phone (+91)": lambda g: any(re.fullmatch(r"\(\+91\) \d{5} \d{5}", p) for p in _strings(iter(g.phones()))),
    "phone +91 spaced": lambda g: any(re.fullmatch(r"\+91 \d{5} \d{5}", p) for p in _strings(iter(g.phones()))),
    "phone dashed": lambda g: any(re.fullmatch(r"\d{5}-\d{5}", p) for p in _strings(iter(g.phones()))),
    "phone dotted": lambda g: any(re.fullmatch(r"\d{5}\.\d{5}", p) for p in _strings(iter(g.phones()))),
    "phone stray spaces": lambda g: any(p != p.strip() and p.strip() for p in _strings(iter(g.phones()))),
    "phone Cameroon": lambda g: any(p.startswith(("+237", "00237", "(+237)")) for p in _strings(iter(g.phones()))),
    "phone United States": lambda g: any(p.startswith(("+1", "001", "(+1)")) for p in _strings(iter(g.phones()))),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_messy_shape_is_in_the_files(generated: Generated, shape: str) -> None:
    assert SHAPES[shape](generated)


def test_the_shapes_do_not_depend_on_the_seed(tmp_path: Path) -> None:
    other = _generate(tmp_path, seed=12345)
    assert [shape for shape, present in SHAPES.items() if not present(other)] == []


def test_numbers_of_other_countries_always_carry_their_country_code(generated: Generated) -> None:
    foreign = 0
    for phone in generated.phones():
        key = legacy_export.phone_key(phone, "IN")
        if key and not key.startswith("+91"):
            foreign += 1
            assert isinstance(phone, str) and ("+" in phone or phone.startswith("00"))
            country_code = str(phonenumbers.parse(key).country_code)
            assert re.sub(r"\D", "", phone).removeprefix("00").startswith(country_code)
    assert foreign


@pytest.mark.parametrize("name", ["Zoë", "राहुल शर्मा", "山田太郎", "Ngozi Okafor"])
def test_names_in_any_script_are_written_as_utf8(generated: Generated, name: str) -> None:
    files = b"".join((generated.out / f"{c}.jsonl").read_bytes() for c in IDENTITY_COLLECTIONS)
    assert f'"{name}"'.encode() in files


def test_the_files_are_nfc(generated: Generated) -> None:
    assert all(unicodedata.is_normalized("NFC", line) for lines in generated.raw.values() for line in lines)


@pytest.mark.parametrize("phone", ["", "N/A", "555-1234", None, "12345", "absent"])
def test_identity_rows_without_a_valid_phone(generated: Generated, phone: str | None) -> None:
    if phone == "absent":
        assert any("phone" not in doc for doc in generated.identity_rows())
    else:
        assert any("phone" in doc and doc["phone"] == phone for doc in generated.identity_rows())


def test_a_row_is_exported_twice_later_in_the_same_file(generated: Generated) -> None:
    twice = [c for c, lines in generated.raw.items() if any(n > 1 for n in Counter(lines).values())]
    assert len(twice) == len(COLLECTIONS)


def test_lines_that_are_not_json_are_in_several_files(generated: Generated) -> None:
    broken = [c for c, docs in generated.docs.items() if None in docs]
    assert len(broken) >= 2
    cut = [line for c in broken for line in generated.raw[c] if _parse(line) is None]
    assert any(line.startswith('{"_id": {"$oid": "') for line in cut)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_have_emails_bcrypt_hashes_and_no_phone(generated: Generated, role: str) -> None:
    staff = [doc for doc in generated.rows("auth_users") if doc["role"] == role]
    assert staff
    for doc in staff:
        assert "@" in doc["email"] and doc["password_hash"].startswith("$2b$04$")
        assert legacy_export.phone_key(doc.get("phone"), "IN") is None


def test_profiles_point_at_delivery_boys(generated: Generated) -> None:
    delivery_boys = {doc["id"] for doc in generated.rows("auth_users") if doc["role"] == "delivery_boy"}
    pointed = {doc.get("delivery_boy_id") for doc in generated.rows("customers_v2")} - {None}
    assert pointed and pointed <= delivery_boys


@pytest.mark.parametrize("status", ["completed", "cancelled", "scheduled"])
def test_booking_statuses(generated: Generated, status: str) -> None:
    assert any(doc["status"] == status for doc in generated.rows("bookings"))


def _reference_kind(g: Generated, reference: object) -> str:
    ids = {c: {g.legacy_id(c, doc) for doc in g.rows(c)} for c in IDENTITY_COLLECTIONS}
    if isinstance(reference, int):
        return "phone as a JSON number"
    assert isinstance(reference, str)
    if reference.startswith("user_"):
        return "user_<phone>"
    for collection, known in ids.items():
        if reference in known:
            return f"{collection} id"
    if re.fullmatch(r"\+?\d+", reference):
        return "bare phone"
    return "unknown"


@pytest.mark.parametrize(
    "kind",
    [
        "booking_users id",
        "customers id",
        "user_<phone>",
        "bare phone",
        "phone as a JSON number",
        "customers_v2 id",
        "auth_users id",
        "unknown",
    ],
)
def test_booking_references_come_in_every_legacy_format(generated: Generated, kind: str) -> None:
    assert kind in {_reference_kind(generated, doc["customer_id"]) for doc in generated.rows("bookings")}


def test_a_login_without_phone_shares_its_email_in_another_case_with_a_customers_row(generated: Generated) -> None:
    emails = {doc["email"] for doc in generated.rows("customers") if doc.get("email")}
    phoneless = [
        doc["email"]
        for doc in generated.identity_rows()
        if "role" in doc and legacy_export.phone_key(doc.get("phone"), "IN") is None
    ]
    assert any(email not in emails and email in {e.lower() for e in emails} for email in phoneless)


def test_a_family_phone_carries_two_names(generated: Generated) -> None:
    names: dict[str, set[str]] = {}
    for doc in generated.identity_rows():
        if key := legacy_export.phone_key(doc.get("phone"), "IN"):
            names.setdefault(key, set()).add(doc.get("name") or doc.get("full_name") or "")
    assert any(len(found - {""}) > 1 for found in names.values())


# ---- truth.json accounts for every line ----------------------------------------------------------


def test_truth_json_is_what_generate_returned(generated: Generated) -> None:
    on_disk = json.loads((generated.out / "truth.json").read_text(encoding="utf-8"))
    assert on_disk == generated.truth
    assert set(on_disk) == {"default_region", "persons", "staff", "held", "rows", "counts", "unmapped_fields"}


def test_rows_hold_exactly_one_outcome_per_line(generated: Generated) -> None:
    truth = generated.truth
    for collection in COLLECTIONS:
        lines = (generated.out / f"{collection}.jsonl").read_bytes().count(b"\n")
        assert len(truth["rows"][collection]) == lines == truth["counts"][collection]
        assert set(truth["rows"][collection]) <= OUTCOMES
    assert truth["counts"]["rows_total"] == sum(truth["counts"][c] for c in COLLECTIONS)
    assert truth["counts"]["distinct_customers"] == len(truth["persons"])


@pytest.mark.parametrize("outcome", sorted(OUTCOMES))
def test_every_outcome_occurs(generated: Generated, outcome: str) -> None:
    assert any(outcome in outcomes for outcomes in generated.truth["rows"].values())


def test_held_rows_are_exactly_the_review_outcomes(generated: Generated) -> None:
    truth = generated.truth
    reviews = [(c, n) for c in COLLECTIONS for n, outcome in enumerate(truth["rows"][c], 1) if outcome == "review"]
    assert [(h["collection"], h["line"]) for h in truth["held"]] == reviews
    for held in truth["held"]:
        assert held["reason"] in REVIEW_REASONS
        doc = generated.docs[held["collection"]][held["line"] - 1]
        if held["reason"] == "not_json":
            assert doc is None and held["id"] is None
        else:
            assert held["id"] == generated.legacy_id(held["collection"], doc)


@pytest.mark.parametrize("reason", REVIEW_REASONS)
def test_every_review_reason_occurs(generated: Generated, reason: str) -> None:
    assert any(held["reason"] == reason for held in generated.truth["held"])


def test_duplicates_repeat_an_earlier_line_of_their_file(generated: Generated) -> None:
    for collection, outcomes in generated.truth["rows"].items():
        lines = generated.raw[collection]
        for n, outcome in enumerate(outcomes):
            assert (outcome == "duplicate") == (lines[n] in lines[:n] and _parse(lines[n]) is not None)


def test_two_runs_with_one_seed_are_byte_identical(generated: Generated, tmp_path: Path) -> None:
    legacy_export.generate(tmp_path, PERSONS, SEED)
    for name in [*COLLECTIONS, "truth"]:
        suffix = "json" if name == "truth" else "jsonl"
        assert (tmp_path / f"{name}.{suffix}").read_bytes() == (generated.out / f"{name}.{suffix}").read_bytes()


def test_another_seed_gives_another_export(generated: Generated) -> None:
    other = legacy_export.build_export(40, SEED + 1)
    assert other.lines["customers"][:5] != generated.raw["customers"][:5]


def test_every_legacy_id_of_a_person_is_in_the_files_and_linked_once(generated: Generated) -> None:
    truth = generated.truth
    where: dict[tuple[str, str], list[str]] = {}
    for collection in IDENTITY_COLLECTIONS:
        for doc, outcome in zip(generated.docs[collection], truth["rows"][collection], strict=True):
            if doc is not None:
                where.setdefault((collection, generated.legacy_id(collection, doc)), []).append(outcome)
    linked = [(i["collection"], i["id"]) for person in truth["persons"] for i in person["legacy_ids"]]
    assert len(linked) == len(set(linked))
    assert {key for key, outcomes in where.items() if outcomes[0] in ("created", "merged")} == set(linked)
    for person in truth["persons"]:
        first, *others = [(i["collection"], i["id"]) for i in person["legacy_ids"]]
        assert where[first][0] == "created"
        assert all(where[key][0] == "merged" for key in others)


def test_bookings_belong_to_one_person_and_cancelled_ones_are_not_counted(generated: Generated) -> None:
    truth = generated.truth
    bookings = {doc["_id"]["$oid"]: doc for doc in generated.rows("bookings")}
    booked = [
        doc["_id"]["$oid"]
        for doc, outcome in zip(generated.docs["bookings"], truth["rows"]["bookings"], strict=True)
        if outcome == "booking"
    ]
    owned = [booking for person in truth["persons"] for booking in person["booking_ids"]]
    assert sorted(owned) == sorted(booked)
    for person in truth["persons"]:
        counted = [bookings[b] for b in person["booking_ids"] if bookings[b]["status"] != "cancelled"]
        assert person["bookings"] == len(counted)
        assert re.fullmatch(r"\d+\.\d\d", person["total_spent"])


def test_customer_numbers_follow_first_appearance(generated: Generated) -> None:
    persons = generated.truth["persons"]
    assert [p["expected_number"] for p in persons] == list(range(1, len(persons) + 1))
    seen = [p["first_seen"] for p in persons]
    timed = [s for s in seen if s is not None]
    assert timed == sorted(timed) and seen == timed + [None] * (len(seen) - len(timed))
    assert seen[-1] is None  # a profile with no time at all comes last


def test_kept_values_are_normalised(generated: Generated) -> None:
    money = re.compile(r"-?\d+\.\d\d")
    for person in generated.truth["persons"]:
        assert person["email"] is None or person["email"] == person["email"].lower()
        balance = person["profile"]["previous_balance"]
        assert balance is None or money.fullmatch(balance)
        for price in (person["profile"]["custom_product_prices"] or {}).values():
            assert money.fullmatch(price)


@pytest.mark.parametrize("field", ["name", "email", "address", "status", "previous_balance"])
def test_conflicts_are_reported(generated: Generated, field: str) -> None:
    conflicts = [c for p in generated.truth["persons"] for c in p["conflicts"] if c["field"] == field]
    assert conflicts and all(c["others"] and c["kept"] not in c["others"] for c in conflicts)


def test_each_bcrypt_hash_verifies_against_the_truths_password(generated: Generated) -> None:
    truth = generated.truth
    staff = {s["legacy_id"]: s for s in truth["staff"]}
    owner = {i["id"]: p for p in truth["persons"] for i in p["legacy_ids"] if i["collection"] == "auth_users"}
    verified = 0
    for doc, outcome in zip(generated.docs["auth_users"], truth["rows"]["auth_users"], strict=True):
        if outcome == "staff":
            account = staff[doc["id"]]
            assert account["role"] == doc["role"] and account["email"] == doc["email"].lower()
        elif outcome in ("created", "merged"):
            account = owner[doc["id"]]["login"]
            assert account["email"] == doc["email"].lower()
        else:
            continue
        assert bcrypt.checkpw(account["password"].encode(), doc["password_hash"].encode())
        verified += 1
    assert verified == len(truth["staff"]) + len(owner)
    for doc in generated.rows("auth_users"):  # held accounts too: the generator knows every password
        assert bcrypt.checkpw(generated.export.passwords[doc["id"]].encode(), doc["password_hash"].encode())


def _check_against_intent(truth: dict[str, Any], export: legacy_export.Export) -> None:
    """The truth is computed from the files; it must agree with what the generator meant."""
    persons = {p["phone"]: p for p in truth["persons"]}
    assert set(persons) == set(export.expected)
    for phone, meant in export.expected.items():
        person = persons[phone]
        assert sorted((i["collection"], i["id"]) for i in person["legacy_ids"]) == sorted(meant.legacy_ids)
        assert sorted(person["booking_ids"]) == sorted(meant.booking_ids)
        assert person["bookings"] == meant.bookings
        assert person["total_spent"] == f"{meant.total_spent:.2f}"
    held = Counter((h["collection"], h["id"], h["reason"]) for h in truth["held"])
    assert held == Counter(export.expected_held)


def test_truth_agrees_with_what_the_generator_meant(generated: Generated) -> None:
    _check_against_intent(generated.truth, generated.export)


@pytest.mark.parametrize("region", ["US", "CM"])
def test_other_default_regions(tmp_path: Path, region: str) -> None:
    small = _generate(tmp_path, persons=40, seed=3, region=region)
    _check_against_intent(small.truth, small.export)
    assert small.truth["default_region"] == region
    code = legacy_export.COUNTRY_CODES[region]
    assert any(p["phone"].startswith(f"+{code}") for p in small.truth["persons"])


# ---- the rules themselves -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "9717619183",
        9717619183,
        919717619183,
        {"$numberLong": "9717619183"},
        "919717619183",
        "+919717619183",
        "00919717619183",
        "09717619183",
        "(+91) 97176 19183",
        "+91 97176 19183",
        "97176-19183",
        "97176.19183",
        "  97176 19183 ",
        "user_9717619183",
    ],
)
def test_every_phone_shape_gives_one_key(written: object) -> None:
    assert legacy_export.phone_key(written, "IN") == "+919717619183"


@pytest.mark.parametrize(
    ("written", "region", "key"),
    [
        ("+237 6 71 23 45 67", "IN", "+237671234567"),
        ("00237671234567", "IN", "+237671234567"),
        ("00237671234567", "US", "+237671234567"),
        ("(+1) 415 898 7635", "IN", "+14158987635"),
        ("(415) 898-7635", "US", "+14158987635"),
        ("671234567", "CM", "+237671234567"),
    ],
)
def test_other_countries_and_regions(written: str, region: str, key: str) -> None:
    assert legacy_export.phone_key(written, region) == key


@pytest.mark.parametrize("written", ["", "N/A", "555-1234", None, "12345", "CUST-9717619183", "cust-97176191"])
def test_no_valid_phone(written: object) -> None:
    assert legacy_export.phone_key(written, "IN") is None


@pytest.mark.parametrize(
    "stamp",
    [
        {"$date": "2023-05-01T10:20:30.000Z"},
        {"$date": {"$numberLong": "1682936430000"}},
        "2023-05-01T10:20:30Z",
        "2023-05-01T10:20:30.000000+00:00",
        "2023-05-01T15:50:30.000+05:30",
        "2023-05-01T10:20:30",
        "2023-05-01 10:20:30",
    ],
)
def test_every_timestamp_shape_is_read_as_utc(stamp: object) -> None:
    assert legacy_export._parse_time(stamp) == datetime(2023, 5, 1, 10, 20, 30, tzinfo=UTC)


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert legacy_export.main([str(tmp_path / "out"), "--persons", "20", "--seed", "5", "--region", "IN"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["distinct_customers"] == 20
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [*(f"{c}.jsonl" for c in COLLECTIONS), "truth.json"]
    )
    with pytest.raises(SystemExit):
        legacy_export.main([str(tmp_path / "bad"), "--region", "GB"])


def test_junk_phones_are_held_and_one_joins_its_person_by_email(generated: Generated) -> None:
    junk = [h for h in generated.truth["held"] if h["reason"] == "junk_phone"]
    assert {h["collection"] for h in junk} >= {"otp_users", "booking_users", "bookings"}
    nines = [doc for doc in generated.identity_rows() if str(doc.get("phone")) == "9999999999"]
    assert len(nines) >= 3  # strangers sharing one junk phone: none of them is merged with another
    joined = [doc for doc in generated.rows("customers") if doc.get("phone") == "1234567890"]
    assert len(joined) == 1 and generated.truth["rows"]["customers"].count("merged") >= 1
    person = next(p for p in generated.truth["persons"] if p["email"] == joined[0]["email"])
    assert {"collection": "customers", "id": joined[0]["customer_id"]} in person["legacy_ids"]


def test_two_phones_of_five_names_are_held_whole(generated: Generated) -> None:
    shared = [h for h in generated.truth["held"] if h["reason"] == "shared_phone"]
    identity = [h for h in shared if h["collection"] != "bookings"]
    assert len(identity) == 10 and len([h for h in shared if h["collection"] == "bookings"]) == 4
    phones = {legacy_export.phone_key(generated.docs[h["collection"]][h["line"] - 1]["phone"], "IN") for h in identity}
    assert len(phones) == 2 and not any(p["phone"] in phones for p in generated.truth["persons"])
