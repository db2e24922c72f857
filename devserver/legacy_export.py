"""Messy legacy exports (mongoexport JSON Lines) and ``truth.json``, the outcome a correct backfill reaches.

``python -m devserver.legacy_export OUT_DIR [--persons N] [--seed S] [--region IN]``

Writes one file per legacy collection, in every shape real exports come in, plus ``truth.json``:

==================  ==========================================================================
auth_users          login accounts: ``id`` (UUID), email, phone (optional), role, bcrypt hash
customers_v2        operations profiles: ``id`` (``cust-…``), address, area, status, balance …
otp_users           phone-OTP accounts: ``_id`` (ObjectId), phone
booking_users       booking-side users, several per phone: ``_id`` (ObjectId), phone
customers           per-booking customer rows: ``customer_id`` (``CUST-…``), phone, email
bookings            ``_id``, ``customer_id`` (any legacy reference), amount, status
==================  ==========================================================================

The export is built first; the truth is then computed from the written files alone, by the
backfill rules (see :func:`compute_truth`), and only the plain passwords behind the bcrypt hashes
come from the generator. The same seed always gives byte-identical files. Hashes use bcrypt cost 4
(real exports hold cost 10-12) with salts drawn from the seeded generator, so that runs repeat.
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import random
import re
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import bcrypt
import phonenumbers

from devserver import legacy_phones

COLLECTIONS = ("auth_users", "customers_v2", "otp_users", "booking_users", "customers", "bookings")
IDENTITY_COLLECTIONS = COLLECTIONS[:5]
STAFF_ROLES = ("delivery_boy", "supplier", "marketing_staff", "admin")
COUNTRY_CODES = {"IN": "91", "CM": "237", "US": "1"}
# How people group the digits of a national number when they write it.
DIGIT_GROUPS = {"IN": (5, 5), "CM": (1, 2, 2, 2, 2), "US": (3, 3, 4)}
KEPT_FIELDS = (
    "name",
    "email",
    "address",
    "area",
    "status",
    "delivery_person",
    "previous_balance",
    "custom_product_prices",
    "notes",
    "map_link",
    "house_image_url",
    "location",
    "trial_start_date",
    "marketing_person",
    "marketing_person_name",
)
PROFILE_FIELDS = KEPT_FIELDS[2:]
# The keys the backfill reads per collection; every other key of a row is "unmapped" (counted in the
# report, kept verbatim with its row).
MAPPED_KEYS = {
    "auth_users": {
        "id",
        "_id",
        "phone",
        "email",
        "name",
        "full_name",
        "role",
        "password_hash",
        "created_at",
        "createdAt",
    },
    "customers_v2": {
        "id",
        "_id",
        "phone",
        "email",
        "name",
        "full_name",
        "created_at",
        "createdAt",
        "status",
        "address",
        "area",
        "delivery_boy_id",
        "previous_balance",
        "custom_product_prices",
        "notes",
        "map_link",
        "house_image_url",
        "location",
        "trial_start_date",
        "marketing_boy",
        "marketing_boy_id",
    },
    "otp_users": {"_id", "phone", "email", "name", "full_name", "created_at", "createdAt"},
    "booking_users": {"_id", "phone", "email", "name", "full_name", "created_at", "createdAt"},
    "customers": {"customer_id", "_id", "phone", "email", "name", "full_name", "created_at", "createdAt", "address"},
    "bookings": {"_id", "customer_id", "amount", "status", "service", "created_at", "createdAt"},
}
REVIEW_REASONS = (
    "not_json",
    "no_valid_phone",
    "no_phone_email_unmatched",
    "email_ambiguous",
    "booking_reference_unknown",
    "junk_phone",
    "shared_phone",
)

# Names in several scripts, NFC, kept byte-exact by the backfill. The first four come first.
SCRIPT_NAMES = (
    "Zoë",
    "राहुल शर्मा",
    "山田太郎",
    "Ngozi Okafor",
    "Zoë Lefèvre",
    "प्रिया वर्मा",
    "佐藤花子",
    "José Álvarez",
    "Chloé Fotso",
    "محمد علي",
    "கார்த்திக் ராஜா",
    "Дмитрий Иванов",
)
GIVEN = (
    "Aanya", "Abhishek", "Amina", "Anil", "Arjun", "Bola", "Chen", "Deepa", "Divya", "Emeka", "Farah",
    "Gaurav", "Grace", "Hassan", "Isha", "Jane", "Joseph", "Kiran", "Lakshmi", "Manoj", "Mary", "Neha",
    "Nikhil", "Pooja", "Ravi", "Rohit", "Sanjay", "Sunita", "Tunde", "Vikram",
)  # fmt: skip
FAMILY = (
    "Agarwal", "Bose", "Chowdhury", "Desai", "Eze", "Fofana", "Ghosh", "Joshi", "Kamga", "Kumar",
    "Menon", "Mishra", "Njoya", "Pillai", "Sato", "Shah", "Tchoua", "Walker", "Yadav", "Zhang",
)  # fmt: skip
AREAS = ("AREA_NORTH", "AREA_SOUTH", "AREA_EAST", "AREA_WEST", "AREA_CENTRAL")
PROFILE_STATUSES = ("trial", "active", "paused", "stopped")
SERVICES = ("wash_fold", "dry_clean", "ironing", "milk_1l", "curd_500g", "paneer_200g")
NOTES = ("Prefers morning delivery", "Ring the bell twice", "गेट पर छोड़ दें", "Leave with the guard")
US_AREA_CODES = ("212", "305", "312", "415", "503", "617", "646", "206")
EPOCH = datetime(2022, 6, 1, tzinfo=UTC)
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
IST = timezone(timedelta(hours=5, minutes=30))

_ABSENT = object()  # a field the row does not carry at all
_TIME_SHAPES = ("date", "date_long", "iso_z", "iso_utc", "iso_ist", "iso_naive", "space", "absent")
_TIME_WEIGHTS = {
    "auth_users": (6, 1, 2, 1, 0.3, 0.3, 0.5, 0.5),
    "customers_v2": (1, 0.5, 3, 4, 0.5, 1, 1, 0.5),
    "otp_users": (6, 2, 0.5, 0.3, 0.2, 0.2, 0.2, 1),
    "booking_users": (6, 2, 0.5, 0.3, 0.2, 0.2, 0.2, 1),
    "customers": (0.5, 0.3, 1, 0.5, 0.2, 0.3, 6, 0.5),
    "bookings": (6, 2, 0.5, 0.5, 0.2, 0.2, 0.5, 0.3),
}
_AMOUNT_SHAPES = ("number", "decimal", "integer", "long", "int32", "double")
_AMOUNT_WEIGHTS = (8, 3, 1, 1, 0.5, 0.5)
_INTEGER_SHAPES = ("number", "long", "int32")
_HOME_FORMS = (
    "plain", "cc", "plus", "plus_spaced", "paren_cc", "dashed", "dotted", "stray", "idd", "trunk",
    "us_paren", "number", "number_cc", "long",
)  # fmt: skip
_HOME_WEIGHTS = (8, 2, 3, 3, 1, 2, 1, 1, 1, 2, 2, 2, 1, 0.3)
_FOREIGN_FORMS = ("plus", "plus_spaced", "paren_cc", "idd", "idd_spaced", "plus_dashed")
_FOREIGN_WEIGHTS = (6, 3, 1, 2, 1, 1)
_INVALID_PHONES: tuple[object, ...] = ("", "N/A", "555-1234", None, "12345", _ABSENT)
_REFERENCE_KINDS = ("booking_user", "cust_id", "user_phone", "bare_phone", "bare_number", "profile", "auth")
_REFERENCE_WEIGHTS = (4, 3, 3, 2, 0.5, 1, 0.5)
_BOOKING_STATUSES = ("completed", "cancelled", "scheduled")
_TO_BCRYPT_ALPHABET = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
)


# --------------------------------------------------------------------------------------------
# Building the export
# --------------------------------------------------------------------------------------------


@dataclass
class Expected:
    """What the generator meant for one person (tests check the computed truth against it)."""

    phone: str
    legacy_ids: list[tuple[str, str]] = field(default_factory=list)
    booking_ids: list[str] = field(default_factory=list)
    bookings: int = 0
    total_spent: Decimal = Decimal(0)


@dataclass
class Export:
    region: str
    lines: dict[str, list[str]]
    passwords: dict[str, str]  # auth_users id -> the plain password behind its bcrypt hash
    expected: dict[str, Expected]  # E.164 -> intent
    expected_held: list[tuple[str, str | None, str]]  # (collection, legacy id, reason)


@dataclass
class _Plan:
    foreign: str | None = None  # region of a number from another country
    email: bool = True
    auth: str | None = None  # "phone" | "phoneless"
    profiles: int = 0
    otp: int = 0
    booking_users: int = 0
    customers: int = 0
    bookings: int = 0
    references: tuple[str, ...] = ()  # forced reference kinds of the first bookings
    family: bool = False  # one record names another member of the family
    email_case: str | None = None  # forced case of the customers rows' email
    customers_without_phone: bool = False  # an extra customers row, same email, no phone
    old_email: bool = False  # one customers row carries another email
    untimed: bool = False  # no row carries a time


def _forced_plans(home: str) -> list[_Plan]:
    """The first persons carry every shape a test relies on, whatever the seed."""
    abroad = [r for r in COUNTRY_CODES if r != home]
    return [
        _Plan(auth="phone", profiles=1, otp=1, booking_users=2, customers=2, bookings=10, references=_REFERENCE_KINDS),
        _Plan(
            foreign=abroad[0],
            auth="phone",
            profiles=1,
            otp=1,
            booking_users=1,
            customers=1,
            bookings=3,
            references=("user_phone", "bare_phone", "booking_user"),
        ),
        _Plan(foreign=abroad[1], otp=1, booking_users=1, customers=1, bookings=2, references=("bare_phone", "cust_id")),
        _Plan(auth="phoneless", customers=1, otp=1, bookings=2, references=("auth", "cust_id"), email_case="title"),
        _Plan(email=False, auth="phoneless", otp=1, booking_users=1),
        _Plan(customers=1, booking_users=1),  # these two share a family email ...
        _Plan(customers=1, otp=1),  # ... and a login account without phone carries it
        _Plan(otp=1, booking_users=2, family=True, bookings=1),
        _Plan(customers=1, customers_without_phone=True),
        _Plan(profiles=2, customers=1, otp=1, bookings=1),
        _Plan(profiles=1, untimed=True),
        _Plan(customers=2, old_email=True, booking_users=1),
    ]


class _Builder:
    def __init__(self, seed: int, region: str) -> None:
        self.rng = random.Random(seed)
        self.region = region
        self.lines: dict[str, list[str]] = {name: [] for name in COLLECTIONS}
        self.passwords: dict[str, str] = {}
        self.expected: dict[str, Expected] = {}
        self.held: list[tuple[str, str | None, str]] = []
        self.drawn: Counter[str] = Counter()
        self.ids: set[str] = set()
        self.phones: set[str] = set()
        self.delivery_boys: list[str] = []
        self.marketers: list[tuple[str, str]] = []  # (legacy id, name)
        # The operational fields added later draw from their own generator, so the rest of an export
        # stays what it was for a seed.
        self.extra = random.Random(f"{seed}-operational")
        self.oid_process = self.rng.getrandbits(40)
        self.oid_counter = self.rng.getrandbits(24)

    # ---- drawing -------------------------------------------------------------------------------

    def pick(self, kind: str, options: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
        """The first draws of a kind walk through every option in order, then draws are random."""
        n = self.drawn[kind]
        self.drawn[kind] += 1
        if n < len(options):
            return options[n]
        return self.rng.choices(options, weights)[0] if weights else self.rng.choice(options)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def unique(self, make: Callable[[], str]) -> str:
        while (value := make()) in self.ids:
            pass
        self.ids.add(value)
        return value

    def uuid(self) -> str:
        return self.unique(lambda: str(uuid.UUID(int=self.rng.getrandbits(128), version=4)))

    def oid(self, when: datetime) -> str:
        """A Mongo ObjectId: 4 bytes of creation time, 5 random bytes, a 3-byte counter."""
        self.oid_counter = (self.oid_counter + 1) % (1 << 24)
        value = f"{int(when.timestamp()):08x}{self.oid_process:010x}{self.oid_counter:06x}"
        self.ids.add(value)
        return value

    def profile_id(self) -> str:
        return self.unique(lambda: f"cust-{self.rng.getrandbits(32):08x}")

    def customer_id(self) -> str:
        return self.unique(lambda: f"CUST-{self.rng.randrange(10**9, 10**10)}")

    def when(self, start: datetime, minutes: int) -> datetime:
        return start + timedelta(milliseconds=self.rng.randrange(minutes * 60_000))

    def national_number(self, region: str) -> str:
        rng = self.rng
        while True:
            if region == "IN":
                nat = rng.choice("6789") + f"{rng.randrange(10**9):09d}"
            elif region == "CM":
                nat = "6" + rng.choice("5789") + f"{rng.randrange(10**7):07d}"
            else:
                nat = rng.choice(US_AREA_CODES) + rng.choice("2346789") + f"{rng.randrange(10**6):06d}"
            e164 = "+" + COUNTRY_CODES[region] + nat
            if e164 not in self.phones and _e164(e164, region) == e164:
                self.phones.add(e164)
                return nat

    def password(self) -> str:
        alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(self.rng.choice(alphabet) for _ in range(12))

    def bcrypt_hash(self, password: str) -> str:
        # bcrypt.gensalt(rounds=4) reads os.urandom; the same salt shape from the seeded generator repeats.
        salt = base64.b64encode(self.rng.randbytes(16)).decode()[:22].translate(_TO_BCRYPT_ALPHABET)
        return bcrypt.hashpw(password.encode(), f"$2b$04${salt}".encode()).decode()

    # ---- value shapes --------------------------------------------------------------------------

    def stamp(self, collection: str, when: datetime, force: str | None = None) -> object:
        shape = force or self.pick(f"time/{collection}", _TIME_SHAPES, _TIME_WEIGHTS[collection])
        millis = f"{when.microsecond // 1000:03d}"
        if shape == "date":
            return {"$date": when.strftime("%Y-%m-%dT%H:%M:%S.") + millis + "Z"}
        if shape == "date_long":
            return {"$date": {"$numberLong": str((when - UNIX_EPOCH) // timedelta(milliseconds=1))}}
        if shape == "iso_z":
            return when.strftime("%Y-%m-%dT%H:%M:%S.") + millis + "Z"
        if shape == "iso_utc":
            return when.isoformat()
        if shape == "iso_ist":
            return when.astimezone(IST).isoformat(timespec="milliseconds")
        if shape == "iso_naive":
            return when.replace(tzinfo=None).isoformat(timespec="seconds")
        if shape == "space":
            return when.strftime("%Y-%m-%d %H:%M:%S")
        return _ABSENT

    def amount(self, kind: str, cents: int) -> object:
        shape = self.pick(kind, _AMOUNT_SHAPES, _AMOUNT_WEIGHTS)
        whole = cents // 100
        if shape == "integer":
            return whole
        if shape in ("long", "int32"):
            return {"$numberLong" if shape == "long" else "$numberInt": str(whole)}
        text = f"{cents // 100}.{cents % 100:02d}"
        if shape == "decimal":
            return {"$numberDecimal": text}
        if shape == "double":
            return {"$numberDouble": repr(cents / 100)}
        return cents / 100  # a plain JSON number, written in its shortest form (144.8)

    def integer(self, value: int) -> object:
        shape = self.pick("integer", _INTEGER_SHAPES)
        if shape == "number":
            return value
        return {"$numberLong" if shape == "long" else "$numberInt": str(value)}

    def name(self) -> str:
        n = self.drawn["name"]
        self.drawn["name"] += 1
        if n < 4 or self.chance(0.06):
            return SCRIPT_NAMES[n] if n < 4 else self.rng.choice(SCRIPT_NAMES)
        return self.rng.choice(GIVEN) + " " + self.rng.choice(FAMILY)

    def phone_value(self, nat: str, region: str) -> object:
        """The number as some legacy screen stored it (a string, a JSON number, a NumberLong)."""
        cc = COUNTRY_CODES[region]
        groups, start = [], 0
        for size in DIGIT_GROUPS[region]:
            groups.append(nat[start : start + size])
            start += size
        spaced = " ".join(groups)
        if region != self.region:  # numbers of other countries always carry their country code
            form = self.pick("phone/foreign", _FOREIGN_FORMS, _FOREIGN_WEIGHTS)
            return {
                "plus": f"+{cc}{nat}",
                "plus_spaced": f"+{cc} {spaced}",
                "paren_cc": f"(+{cc}) {spaced}",
                "idd": f"00{cc}{nat}",
                "idd_spaced": f"00{cc} {spaced}",
                "plus_dashed": f"+{cc}-" + "-".join(groups),
            }[form]
        forms: list[str] = list(_HOME_FORMS)
        weights: list[float] = list(_HOME_WEIGHTS)
        for unusable in ("trunk",) * (region != "IN") + ("us_paren",) * (region != "US"):
            del weights[forms.index(unusable)]
            forms.remove(unusable)
        form = self.pick("phone/home", forms, weights)
        return {
            "plain": nat,
            "cc": cc + nat,
            "plus": f"+{cc}{nat}",
            "plus_spaced": f"+{cc} {spaced}",
            "paren_cc": f"(+{cc}) {spaced}",
            "dashed": "-".join(groups),
            "dotted": ".".join(groups),
            "stray": f"  {spaced} " if self.chance(0.5) else f" {nat}  ",
            "idd": f"00{cc}{nat}",
            "trunk": "0" + nat,
            "us_paren": f"({nat[:3]}) {nat[3:6]}-{nat[6:]}",
            "number": int(nat),
            "number_cc": int(cc + nat),
            "long": {"$numberLong": nat},
        }[form]

    # ---- rows ----------------------------------------------------------------------------------

    def emit(self, collection: str, doc: dict[str, object], anywhere: bool = False) -> None:
        """Append the row (or, ``anywhere``, put it at a random place in the file)."""
        doc = {key: value for key, value in doc.items() if value is not _ABSENT}
        line = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        lines = self.lines[collection]
        if anywhere:
            lines.insert(self.rng.randrange(len(lines) + 1), line)
        else:
            lines.append(line)

    def auth_user(
        self,
        email: str | None,
        name: str | None,
        phone: object,
        role: str,
        when: datetime,
        force: str | None = None,
        anywhere: bool = False,
    ) -> str:
        uid = self.uuid()
        password = self.password()
        self.passwords[uid] = password
        self.emit(
            "auth_users",
            {
                "id": uid,
                "email": email,
                "name": name,
                "phone": phone,
                "role": role,
                "is_active": self.chance(0.92),
                "created_at": self.stamp("auth_users", when, force),
                "password_hash": self.bcrypt_hash(password),
            },
            anywhere,
        )
        return uid

    def operational(self, cid: str, status: str, when: datetime) -> dict[str, object]:
        """The fields of ``customers_v2`` the first exports did not list: maps link, location, trial
        start, house photo, marketing person (an account, or a bare name), and keys nobody listed."""
        extra = self.extra
        fields: dict[str, object] = {}
        lat, lng = round(extra.uniform(8, 30), 6), round(extra.uniform(70, 88), 6)
        if extra.random() < 0.7:
            fields["map_link"] = f"https://maps.google.com/?q={lat},{lng}"
        elif extra.random() < 0.3:
            fields["map_link"] = extra.choice(("", "maps.google.com/?q=1,2"))  # empty, or not https: unmapped value
        if extra.random() < 0.6:
            fields["location"] = {"lat": lat, "lng": lng, "accuracy_meters": extra.choice((5, 12.5, 40))}
        if status == "trial" or extra.random() < 0.05:
            fields["trial_start_date"] = (when + timedelta(days=extra.randrange(0, 30))).date().isoformat()
        if extra.random() < 0.4:
            fields["house_image_url"] = f"https://img.example.com/houses/{cid}.jpg"
        if self.marketers and extra.random() < 0.5:
            uid, name = extra.choice(self.marketers)
            fields |= {"marketing_boy_id": uid, "marketing_boy": name}
        elif extra.random() < 0.2:
            fields["marketing_boy"] = extra.choice(GIVEN) + " (agency)"  # a name with no account
        if extra.random() < 0.3:
            fields["landmark"] = extra.choice(("near the temple", "opposite bus stop", "blue gate"))
        if extra.random() < 0.1:
            fields["legacy_flags"] = {"vip": extra.random() < 0.5, "route": extra.randrange(1, 9)}
        return fields

    def staff(self, persons: int) -> None:
        counts = {"delivery_boy": max(2, persons // 40)} | {role: max(1, persons // 400) for role in STAFF_ROLES[1:]}
        for role, count in counts.items():
            for i in range(count):
                when = self.when(EPOCH - timedelta(days=200), 60 * 24 * 150)
                phone = self.pick("staff_phone", (None, _ABSENT, ""))
                name = self.rng.choice(GIVEN) + " " + self.rng.choice(FAMILY)
                uid = self.auth_user(f"{role.replace('_', '.')}{i}@example.com", name, phone, role, when)
                if role == "delivery_boy":
                    self.delivery_boys.append(uid)
                elif role == "marketing_staff":
                    self.marketers.append((uid, name))

    def person(self, index: int, plan: _Plan, shared_email: str | None = None) -> str:
        rng = self.rng
        region = plan.foreign or self.region
        nat = self.national_number(region)
        e164 = "+" + COUNTRY_CODES[region] + nat
        intent = self.expected[e164] = Expected(e164)
        name = self.name()
        born = self.when(EPOCH, 60 * 24 * 600)
        ascii_given = name.split()[0].lower() if name.isascii() else "customer"
        email = shared_email or (f"{ascii_given}.{index}@example.com" if plan.email else None)
        force = "absent" if plan.untimed else None
        refs: dict[str, list[str]] = {kind: [] for kind in _REFERENCE_KINDS}

        def attach(collection: str, legacy_id: str) -> None:
            intent.legacy_ids.append((collection, legacy_id))

        def row_name() -> str:
            if plan.family and intent.legacy_ids and not any(n != name for n in names):
                names.append(self.rng.choice(GIVEN) + " " + name.split()[-1] + " Jr")
                return names[-1]
            return name

        names = [name]

        if plan.auth:
            when = self.when(born, 5000)
            phone = (
                self.phone_value(nat, region) if plan.auth == "phone" else self.pick("no_phone", (None, _ABSENT, ""))
            )
            login_email = email.lower() if email else f"login{index}@example.com"
            uid = self.auth_user(login_email, name, phone, "customer", when, force)
            joined = plan.auth == "phone" or (
                email is not None
                and plan.customers > 0
                and not (plan.old_email and plan.customers == 1)
                and shared_email is None
            )
            if joined:
                attach("auth_users", uid)
                refs["auth"].append(uid)
            else:
                self.held.append(("auth_users", uid, "no_phone_email_unmatched"))
        for _ in range(plan.profiles):
            when = self.when(born, 5000)
            cid = self.profile_id()
            prices: dict[str, object] = {}
            if self.chance(0.2) or (plan.profiles > 1 and not self.drawn["prices"]):
                self.drawn["prices"] += 1
                for product in rng.sample(("prod-milk", "prod-curd", "prod-paneer"), rng.choice((1, 2))):
                    prices[product] = self.amount("price", rng.randrange(2000, 9000, 50))
            profile: dict[str, object] = {
                "id": cid,
                "name": row_name() if rng.random() < 0.97 else "",
                "phone": self.phone_value(nat, region),
                "address": f"{rng.randrange(1, 400)} {rng.choice(('MG Road', 'Station Rd', 'Hill View'))}",
                "area": rng.choice(AREAS),
                "status": rng.choice(PROFILE_STATUSES),
                "delivery_boy_id": rng.choice(self.delivery_boys) if rng.random() < 0.9 else None,
                "previous_balance": self.amount("balance", rng.randrange(0, 60000)) if rng.random() < 0.9 else None,
                "custom_product_prices": prices,
                "notes": rng.choice(NOTES) if rng.random() < 0.15 else rng.choice((None, "")),
                "created_at": self.stamp("customers_v2", when, force),
            }
            self.emit("customers_v2", profile | self.operational(cid, str(profile["status"]), when))
            attach("customers_v2", cid)
            refs["profile"].append(cid)
        for _ in range(plan.otp):
            when = self.when(born, 5000)
            oid = self.oid(when)
            self.emit(
                "otp_users",
                {
                    "_id": {"$oid": oid},
                    "phone": self.phone_value(nat, region),
                    "name": row_name() if rng.random() < 0.9 else None,
                    "isVerified": rng.random() < 0.8,
                    "createdAt": self.stamp("otp_users", when),
                    "__v": 0,
                },
            )
            attach("otp_users", oid)
        for _ in range(plan.booking_users):
            when = self.when(born, 9000)
            oid = self.oid(when)
            self.emit(
                "booking_users",
                {
                    "_id": {"$oid": oid},
                    "phone": self.phone_value(nat, region),
                    "full_name": row_name(),
                    "user_type": "customer",
                    "createdAt": self.stamp("booking_users", when),
                    "__v": 0,
                },
            )
            attach("booking_users", oid)
            refs["booking_user"].append(oid)
        for k in range(plan.customers):
            when = self.when(born, 9000)
            customer_id = self.customer_id()
            row_email = email
            if email and plan.old_email and k == plan.customers - 1:
                row_email = f"old.{ascii_given}.{index}@example.net"
            elif email:
                case = plan.email_case or self.pick("email_case", ("title", "upper", "as_is"), (1, 1, 6))
                row_email = {"title": email.title(), "upper": email.upper()}.get(case, email)
            self.emit(
                "customers",
                {
                    "customer_id": customer_id,
                    "name": row_name(),
                    "email": row_email,
                    "phone": self.phone_value(nat, region),
                    "address": f"{rng.randrange(1, 400)} Lake Rd",
                    "total_bookings": self.integer(rng.randrange(0, 12)),
                    "total_spent": self.amount("amount", rng.randrange(0, 500000)),
                    "created_at": self.stamp("customers", when, force),
                },
            )
            attach("customers", customer_id)
            refs["cust_id"].append(customer_id)
        if plan.customers_without_phone:
            customer_id = self.customer_id()
            self.emit(
                "customers",
                {
                    "customer_id": customer_id,
                    "name": name,
                    "email": email,
                    "phone": "",
                    "created_at": self.stamp("customers", self.when(born, 9000)),
                },
            )
            self.held.append(("customers", customer_id, "no_valid_phone"))

        home = region == self.region
        plus = "" if home else "+" + COUNTRY_CODES[region]
        for b in range(plan.bookings):
            kinds = [k for k in _REFERENCE_KINDS if refs[k] or k in ("user_phone", "bare_phone")]
            if home:
                kinds.append("bare_number")
            forced = plan.references[b] if b < len(plan.references) else None
            if forced in kinds:
                kind = forced
            else:
                kind = rng.choices(kinds, [_REFERENCE_WEIGHTS[_REFERENCE_KINDS.index(k)] for k in kinds])[0]
            reference: object
            if kind == "user_phone":
                reference = f"user_{plus}{nat}"
            elif kind == "bare_phone":
                reference = plus + nat
            elif kind == "bare_number":
                reference = int(nat)
            else:
                reference = rng.choice(refs[kind])
            self.booking(born, reference, intent)
        return email or ""

    def booking(self, born: datetime, reference: object, intent: Expected | None) -> None:
        when = self.when(born, 60 * 24 * 120)
        oid = self.oid(when)
        cents = self.rng.randrange(3000, 90000)
        amount = self.amount("amount", cents)
        status = self.pick("booking_status", _BOOKING_STATUSES, (7, 1.5, 1.5))
        self.emit(
            "bookings",
            {
                "_id": {"$oid": oid},
                "customer_id": reference,
                "service": self.rng.choice(SERVICES),
                "amount": amount,
                "status": status,
                "created_at": self.stamp("bookings", when),
            },
            anywhere=intent is None,
        )
        if intent is None:
            self.held.append(("bookings", oid, "booking_reference_unknown"))
            return
        intent.booking_ids.append(oid)
        if status != "cancelled":
            intent.bookings += 1
            intent.total_spent += _decimal(json.loads(json.dumps(amount), parse_float=Decimal)) or Decimal(0)

    def walk_ins(self, count: int) -> list[str]:
        """Rows no phone can be recovered from: held for review, never customers."""
        walk_in_oids = []
        for k in range(count):
            when = self.when(EPOCH, 60 * 24 * 600)
            phone = self.pick("invalid_phone", _INVALID_PHONES)
            collection = self.pick("walk_in", ("booking_users", "customers", "otp_users", "customers_v2"), (6, 2, 1, 1))
            name = f"Walk-in {k}"
            if collection in ("booking_users", "otp_users"):
                legacy_id = self.oid(when)
                name_field = "full_name" if collection == "booking_users" else "name"
                doc = {
                    "_id": {"$oid": legacy_id},
                    "phone": phone,
                    name_field: name,
                    "createdAt": self.stamp(collection, when),
                }
                if collection == "booking_users":
                    walk_in_oids.append(legacy_id)
            elif collection == "customers":
                legacy_id = self.customer_id()
                doc = {
                    "customer_id": legacy_id,
                    "name": name,
                    "email": None,
                    "phone": phone,
                    "created_at": self.stamp(collection, when),
                }
            else:
                legacy_id = self.profile_id()
                doc = {
                    "id": legacy_id,
                    "name": name,
                    "phone": phone,
                    "area": self.rng.choice(AREAS),
                    "created_at": self.stamp(collection, when),
                }
            self.emit(collection, doc, anywhere=True)
            junk = legacy_phones.junk_phone(_text(phone), self.region)
            self.held.append((collection, legacy_id, "junk_phone" if junk else "no_valid_phone"))
        return walk_in_oids

    def unknown_bookings(self, count: int, walk_in_oids: list[str]) -> None:
        """Bookings whose customer reference matches nothing."""
        for k in range(count):
            kind = self.pick("unknown_reference", ("cust_id", "oid", "user_phone", "bare_phone", "walk_in"))
            born = self.when(EPOCH, 60 * 24 * 600)
            if kind == "cust_id":
                reference: object = self.customer_id()
            elif kind == "oid":
                reference = self.oid(born - timedelta(days=30))
            elif kind == "walk_in" and walk_in_oids:
                reference = walk_in_oids[k % len(walk_in_oids)]
            else:
                nat = self.national_number(self.region)  # reserved: no person will get it
                reference = f"user_{nat}" if kind == "user_phone" else nat
            self.booking(born, reference, None)

    def shared_login_without_phone(self, email: str) -> None:
        """A login account whose email two different persons carry: which one is it?"""
        when = self.when(EPOCH, 60 * 24 * 600)
        uid = self.auth_user(email.lower(), "Family account", None, "customer", when, anywhere=True)
        self.held.append(("auth_users", uid, "email_ambiguous"))

    def damage(self) -> None:
        """Lines exported twice, later in the same file, and lines cut off mid-write."""
        rng = self.rng
        for collection in ("booking_users", "bookings", "customers", "otp_users"):
            lines = self.lines[collection]
            for _ in range(1 + len(lines) // 700):
                source = json.dumps({"_id": {"$oid": self.oid(self.when(EPOCH, 60 * 24 * 600))}, "phone": "9"})
                cut = source[: rng.randrange(10, len(source) - 2)]
                lines.insert(rng.randrange(len(lines) + 1), cut)
                self.held.append((collection, None, "not_json"))
        for collection in COLLECTIONS:
            lines = self.lines[collection]
            if not lines:
                continue
            chosen = {i for i in range(len(lines)) if rng.random() < 0.004 and _is_json(lines[i])}
            while len(chosen) < 1:  # every file holds at least one line exported twice
                i = rng.randrange(len(lines))
                if _is_json(lines[i]):
                    chosen.add(i)
            for i in sorted(chosen, reverse=True):
                lines.insert(rng.randrange(i + 1, len(lines) + 1), lines[i])


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def build_export(persons: int = 300, seed: int = 7, region: str = "IN") -> Export:
    """Build the export in memory (the files are not written)."""
    if region not in COUNTRY_CODES:
        raise ValueError(f"region must be one of {', '.join(COUNTRY_CODES)}")
    builder = _Builder(seed, region)
    builder.staff(persons)
    forced = _forced_plans(region)
    shared_email = ""
    first_person: tuple[str, str] | None = None
    for index in range(persons):
        plan = forced[index] if index < len(forced) else _random_plan(builder, region)
        family_email = None
        if index in (5, 6):
            family_email = shared_email or f"family.{index}@example.com"
        email = builder.person(index, plan, family_email)
        if index == 0 and email:
            first_person = (next(iter(builder.expected)), email.lower())
        if index == 5:
            shared_email = email
        if index == 6:
            builder.shared_login_without_phone(email)
    walk_in_oids = builder.walk_ins(max(8, persons // 50))
    builder.unknown_bookings(max(5, persons // 100), walk_in_oids)
    legacy_phones.junk_phone_rows(builder, EPOCH, first_person)
    for names in legacy_phones.SHARED_NAMES:
        legacy_phones.shared_phone_rows(builder, EPOCH, names)
    builder.damage()
    return Export(region, builder.lines, builder.passwords, builder.expected, builder.held)


def _random_plan(builder: _Builder, region: str) -> _Plan:
    rng = builder.rng
    plan = _Plan(
        foreign=rng.choice([r for r in COUNTRY_CODES if r != region]) if rng.random() < 0.1 else None,
        email=rng.random() < 0.6,
        auth=("phone" if rng.random() < 0.8 else "phoneless") if rng.random() < 0.35 else None,
        profiles=(2 if rng.random() < 0.05 else 1) if rng.random() < 0.6 else 0,
        otp=1 if rng.random() < 0.5 else 0,
        booking_users=rng.choice((0, 1, 1, 1, 2, 3)),
        customers=rng.choice((0, 0, 1, 2)),
        bookings=rng.choice((0, 1, 2, 4, 6)),
        family=rng.random() < 0.02,
        old_email=rng.random() < 0.03,
    )
    if plan.auth == "phoneless":  # a login account always has an email; often a per-booking row shares it
        plan.email = True
        if not plan.customers and rng.random() < 0.75:
            plan.customers = 1
    if not (plan.auth == "phone" or plan.profiles or plan.otp or plan.booking_users or plan.customers):
        plan.otp = 1
    return plan


def write_export(export: Export, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for collection, lines in export.lines.items():
        with open(out_dir / f"{collection}.jsonl", "w", encoding="utf-8", newline="\n") as file:
            file.writelines(line + "\n" for line in lines)


# --------------------------------------------------------------------------------------------
# The truth: computed from the files, by the backfill rules
# --------------------------------------------------------------------------------------------

_PHONE_TEXT = re.compile(r"[0-9+() .\-]*[0-9][0-9+() .\-]*")


@functools.lru_cache(maxsize=1 << 17)
def _e164(text: str, region: str) -> str | None:
    """E.164 of ``text`` when ``phonenumbers`` reads it as a VALID number in ``region``, else None.

    ``user_`` is stripped, ``00`` means international, and a national number already starting with
    the region's country code is read as international. Text with letters is never a phone (it is an id).
    """
    candidate = text.strip()
    if candidate.startswith("user_"):
        candidate = candidate[5:].strip()
    if not _PHONE_TEXT.fullmatch(candidate):
        return None
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    number = _valid_number(candidate, region)
    if number is None and not candidate.startswith("+"):
        digits = re.sub(r"\D", "", candidate)
        if digits.startswith(str(phonenumbers.country_code_for_region(region))):
            number = _valid_number("+" + digits, region)
    return None if number is None else phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _valid_number(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _text(value: object) -> str | None:
    """A phone or reference as text: JSON numbers and NumberLong/NumberInt give their digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        inner = value.get("$numberLong", value.get("$numberInt"))
        return inner if isinstance(inner, str) else None
    return None


def phone_key(value: object, region: str) -> str | None:
    text = _text(value)
    return None if text is None else _e164(text, region)


def _decimal(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and value.strip():
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, dict) and "$date" in value:
        value = value["$date"]
        if isinstance(value, dict):
            value = value.get("$numberLong")
            value = int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else None
        if isinstance(value, int) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _object_id(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("$oid")
    return value if isinstance(value, str) else None


def _legacy_id(collection: str, doc: dict[str, Any]) -> str | None:
    if collection in ("auth_users", "customers_v2"):
        value = doc.get("id")
    elif collection == "customers":
        value = doc.get("customer_id")
    else:
        value = _object_id(doc.get("_id"))
    return value if isinstance(value, str) and value else None


def _row_time(doc: dict[str, Any]) -> datetime | None:
    for key in ("created_at", "createdAt"):
        if (when := _parse_time(doc.get(key))) is not None:
            return when
    oid = _object_id(doc.get("_id"))
    if oid and re.fullmatch(r"[0-9a-fA-F]{24}", oid):
        return datetime.fromtimestamp(int(oid[:8], 16), UTC)
    return None


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == {}


def _kept_values(doc: dict[str, Any]) -> dict[str, object]:
    """The normalised value of every kept field a row carries (None when empty)."""
    name = doc.get("name")
    if _empty(name):
        name = doc.get("full_name")
    email = doc.get("email")
    balance = _decimal(doc.get("previous_balance"))
    prices = doc.get("custom_product_prices")
    if isinstance(prices, dict):
        prices = {product: _money(d) for product, price in prices.items() if (d := _decimal(price)) is not None}
    values: dict[str, object] = {
        "name": name if isinstance(name, str) else None,
        "email": email.lower() if isinstance(email, str) else None,
        "address": doc.get("address"),
        "area": doc.get("area"),
        "status": doc.get("status"),
        "delivery_person": doc.get("delivery_boy_id"),
        "previous_balance": None if balance is None else _money(balance),
        "custom_product_prices": prices if isinstance(prices, dict) else None,
        "notes": doc.get("notes"),
        "map_link": _https(doc.get("map_link")),
        "house_image_url": _https(doc.get("house_image_url")),
        "location": _location(doc.get("location")),
        "trial_start_date": doc.get("trial_start_date"),
        "marketing_person": doc.get("marketing_boy_id"),
        "marketing_person_name": doc.get("marketing_boy"),
    }
    return {key: None if _empty(value) else value for key, value in values.items()}


def _https(value: object) -> str | None:
    return value if isinstance(value, str) and value.startswith("https://") else None


def _location(value: object) -> dict[str, float] | None:
    if not isinstance(value, dict) or value.get("lat") is None or value.get("lng") is None:
        return None
    return {key: float(value[key]) for key in ("lat", "lng", "accuracy_meters") if value.get(key) is not None}


@dataclass(slots=True)
class _Row:
    collection: str
    line: int
    legacy_id: str | None
    time: datetime | None
    phone: str | None
    values: dict[str, object]
    junk: bool = False  # its phone is junk (legacy_phones.junk_phone)

    @property
    def age(self) -> tuple[bool, datetime, int, int]:
        return (self.time is None, self.time or EPOCH, COLLECTIONS.index(self.collection), self.line)


def compute_truth(out_dir: Path, region: str = "IN", passwords: dict[str, str] | None = None) -> dict[str, Any]:
    """The outcome a correct backfill of the export in ``out_dir`` reaches (any subset of files may be present)."""
    passwords = passwords or {}
    outcome: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    held: list[dict[str, object]] = []
    rows: list[_Row] = []
    bookings: list[tuple[int, str | None, dict[str, Any]]] = []
    staff: list[dict[str, object]] = []
    unmapped: dict[str, Counter[str]] = {}

    def hold(collection: str, line: int, legacy_id: str | None, reason: str) -> None:
        outcome[collection][line - 1] = "review"
        held.append({"collection": collection, "line": line, "id": legacy_id, "reason": reason})

    for collection in COLLECTIONS:
        path = out_dir / f"{collection}.jsonl"
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        counts[collection] = len(lines)
        outcome[collection] = [""] * len(lines)
        seen: set[str] = set()
        for line, text in enumerate(lines, 1):
            try:
                doc = json.loads(text, parse_float=Decimal)
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                hold(collection, line, None, "not_json")
                continue
            legacy_id = _legacy_id(collection, doc)
            if legacy_id is not None:  # a row with no id is held whole: nothing of it is mapped
                unmapped.setdefault(collection, Counter()).update(k for k in doc if k not in MAPPED_KEYS[collection])
            if legacy_id is not None and legacy_id in seen:
                outcome[collection][line - 1] = "duplicate"
                continue
            if legacy_id is not None:
                seen.add(legacy_id)
            if collection == "bookings":
                bookings.append((line, legacy_id, doc))
            elif collection == "auth_users" and doc.get("role") != "customer":
                outcome[collection][line - 1] = "staff"
                email = doc.get("email")
                staff.append(
                    {
                        "legacy_id": legacy_id,
                        "role": doc.get("role"),
                        "email": email.lower() if isinstance(email, str) else None,
                        "password": passwords.get(legacy_id or ""),
                    }
                )
            else:
                junk = legacy_phones.junk_phone(_text(doc.get("phone")), region)
                phone = None if junk else phone_key(doc.get("phone"), region)
                rows.append(_Row(collection, line, legacy_id, _row_time(doc), phone, _kept_values(doc), junk))

    # persons: one per E.164 phone, plus login accounts without phone that share an email with one of them
    members: dict[str, list[_Row]] = {}
    for row in rows:
        if row.phone is not None:
            members.setdefault(row.phone, []).append(row)
    owners: dict[str, list[str]] = {}
    for phone, person_rows in members.items():
        for row in person_rows:
            email = row.values["email"]
            if isinstance(email, str) and phone not in owners.setdefault(email, []):
                owners[email].append(phone)
    for row in rows:
        if row.phone is not None or row.junk:
            continue
        email = row.values["email"]
        if row.collection != "auth_users" or not isinstance(email, str):
            hold(row.collection, row.line, row.legacy_id, "no_valid_phone")
        elif len(found := owners.get(email, [])) == 1:
            members[found[0]].append(row)
        else:
            hold(row.collection, row.line, row.legacy_id, "email_ambiguous" if found else "no_phone_email_unmatched")

    _join_junk_by_email(rows, members, hold)
    shared = legacy_phones.shared_phones(members, lambda row: row.values["name"])
    shared_legacy_ids = {}
    for phone in sorted(shared):
        for row in members.pop(phone):
            hold(row.collection, row.line, row.legacy_id, "shared_phone")
            if row.legacy_id is not None:
                shared_legacy_ids.setdefault(row.legacy_id, phone)
    ordered = sorted(members.items(), key=lambda item: min(row.age for row in item[1]))
    by_legacy_id: dict[str, str] = {}
    persons: dict[str, dict[str, Any]] = {}
    for number, (phone, person_rows) in enumerate(ordered, 1):
        person_rows.sort(key=lambda row: row.age)
        for position, row in enumerate(person_rows):
            outcome[row.collection][row.line - 1] = "merged" if position else "created"
            if row.legacy_id is not None:
                by_legacy_id.setdefault(row.legacy_id, phone)
        persons[phone] = _person(phone, number, person_rows, passwords)

    for line, legacy_id, doc in bookings:
        reference = _text(doc.get("customer_id"))
        owner: str | None = None
        if reference is not None and legacy_phones.junk_phone(reference, region):
            hold("bookings", line, legacy_id, "junk_phone")
            continue
        if reference is not None:
            phone = _e164(reference, region)
            if (phone in shared) if phone else (reference.strip() in shared_legacy_ids):
                hold("bookings", line, legacy_id, "shared_phone")
                continue
            owner = (phone if phone in persons else None) if phone else by_legacy_id.get(reference.strip())
        if owner is None:
            hold("bookings", line, legacy_id, "booking_reference_unknown")
            continue
        outcome["bookings"][line - 1] = "booking"
        person = persons[owner]
        person["booking_ids"].append(legacy_id)
        if doc.get("status") != "cancelled":
            person["bookings"] += 1
            person["total_spent"] += _decimal(doc.get("amount")) or Decimal(0)
    for person in persons.values():
        person["total_spent"] = _money(person["total_spent"])
    _one_account_per_email(persons.values())

    held.sort(key=lambda entry: (COLLECTIONS.index(str(entry["collection"])), int(str(entry["line"]))))
    counts["rows_total"] = sum(counts.values())
    counts["distinct_customers"] = len(persons)
    return {
        "default_region": region,
        "persons": list(persons.values()),
        "staff": staff,
        "held": held,
        "rows": outcome,
        "counts": counts,
        "unmapped_fields": {name: dict(sorted(c.items())) for name, c in sorted(unmapped.items()) if c},
    }


def _join_junk_by_email(rows: list[_Row], members: dict[str, list[_Row]], hold: Callable[..., None]) -> None:
    """A row with a junk phone joins the one person whose rows carry its email, else is held."""
    owners: dict[str, set[str]] = {}
    for phone, person_rows in members.items():
        for row in person_rows:
            if isinstance(email := row.values["email"], str):
                owners.setdefault(email, set()).add(phone)
    for row in rows:
        if not row.junk:
            continue
        email = row.values["email"]
        found = owners.get(email, set()) if isinstance(email, str) else set()
        if len(found) == 1:
            members[next(iter(found))].append(row)
        else:
            hold(row.collection, row.line, row.legacy_id, "junk_phone")


def _one_account_per_email(persons: Any) -> None:
    """An email names one account: in numbering order the first person keeps a shared email, the
    others keep none (a conflict) and their old password signs in with their phone."""
    taken: set[str] = set()
    for person in sorted(persons, key=lambda person: person["expected_number"]):
        email = person["email"]
        if email is None:
            continue
        if email in taken:
            person["email"] = None
            person["conflicts"].append({"field": "email", "kept": None, "others": [email], "reason": "email_taken"})
            if person["login"] is not None:
                person["login"] = {"phone": person["phone"], "password": person["login"]["password"]}
        taken.add(email)


def _person(phone: str, number: int, rows: list[_Row], passwords: dict[str, str]) -> dict[str, Any]:
    logins = [row for row in rows if row.collection == "auth_users"]
    login_emails = [row.values["email"] for row in logins if row.values["email"] is not None]
    kept: dict[str, object] = {}
    conflicts = []
    for name in KEPT_FIELDS:
        values = [value for row in rows if (value := row.values[name]) is not None]
        kept[name] = login_emails[0] if name == "email" and login_emails else (values[0] if values else None)
        others: list[object] = []
        for value in values:
            if value != kept[name] and value not in others:
                others.append(value)
        if others:
            conflicts.append({"field": name, "kept": kept[name], "others": others})
    first = rows[0].time
    openings = [
        {"collection": row.collection, "id": row.legacy_id, "amount": row.values["previous_balance"]}
        for row in rows
        if row.values["previous_balance"] is not None
    ]
    login = None
    if logins:
        login = {"email": logins[0].values["email"], "password": passwords.get(logins[0].legacy_id or "")}
    return {
        "phone": phone,
        "expected_number": number,
        "name": kept["name"],
        "email": kept["email"],
        "legacy_ids": [{"collection": row.collection, "id": row.legacy_id} for row in rows],
        "first_seen": None if first is None else first.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "bookings": 0,
        "total_spent": Decimal(0),
        "booking_ids": [],
        "login": login,
        "profile": {name: kept[name] for name in PROFILE_FIELDS},
        # Every row that carried a balance opens the ledger with it; two or more non-zero ones are a
        # balance conflict for a person to confirm.
        "openings": openings,
        "balance": _money(sum((Decimal(str(o["amount"])) for o in openings), Decimal(0))),
        "balance_conflict": sum(1 for o in openings if Decimal(str(o["amount"])) != 0) > 1,
        "conflicts": conflicts,
    }


def generate(out_dir: Path, persons: int = 300, seed: int = 7, region: str = "IN") -> dict[str, Any]:
    """Write the export and its ``truth.json`` into ``out_dir``; return the truth."""
    export = build_export(persons, seed, region)
    write_export(export, out_dir)
    truth = compute_truth(out_dir, region, export.passwords)
    with open(out_dir / "truth.json", "w", encoding="utf-8", newline="\n") as file:
        file.write(dump_truth(truth))
    return truth


def dump_truth(truth: dict[str, Any]) -> str:
    """JSON with one person, staff account, held row or collection per line: readable, diffable and fast."""

    def compact(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    parts = []
    for key, value in truth.items():
        if isinstance(value, list) and value:
            inner = ",\n".join("  " + compact(item) for item in value)
            parts.append(f" {compact(key)}: [\n{inner}\n ]")
        elif isinstance(value, dict) and key == "rows":
            inner = ",\n".join(f"  {compact(name)}: {compact(item)}" for name, item in value.items())
            parts.append(f" {compact(key)}: {{\n{inner}\n }}")
        else:
            parts.append(f" {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devserver.legacy_export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--persons", type=int, default=300, help="persons to generate (default 300)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--region", default="IN", choices=sorted(COUNTRY_CODES), help="default region of numbers written without +"
    )
    args = parser.parse_args(argv)
    if args.persons < 1:
        parser.error("--persons must be at least 1")
    truth = generate(args.out_dir, args.persons, args.seed, args.region)
    print(json.dumps(truth["counts"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
