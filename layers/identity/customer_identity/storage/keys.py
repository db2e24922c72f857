"""Every key and index shape of the single table. No other module builds a key string.

Items (``pk`` / ``sk``):

* ``PHONE#<e164>`` / ``CUSTOMER`` -- a customer, keyed by its phone (one phone, one item);
  ``CUSTOMER#<customer_id>`` / ``CUSTOMER`` -- a customer without a phone (:func:`customer_key`).
* ``PHONEHIST#<e164>`` / ``<held_until>#<customer_id>`` -- a former holding of a phone (released).
* ``RECYCLE#<sha256>`` / ``CHALLENGE`` -- a phone code verified for a dormant customer, awaiting proof.
* ``CUSTOMER#<customer_id>`` / ``ALIAS`` -- the authoritative marker of a customer id: it always
  names the phone the customer's item lives under (re-pointed by a phone change).
* ``NUMBER#<n>``, ``EMAIL#<email>``, ``LEGACY#<id>`` / ``ALIAS`` -- unique markers naming a customer
  id and, as a hint, its phone (number and email markers are re-pointed by a phone change; legacy
  markers are not, so a phone change costs the same however many legacy ids a customer has).
* ``COUNTER#customer_number`` / ``COUNTER`` -- the customer-number counter.
* ``STAFF#<account_id>`` / ``ACCOUNT`` -- a staff account; its email marker shares ``EMAIL#``.
* ``OTP#<e164>`` / ``OTP``, ``SENDS#<purpose>#<to>`` / ``SENDS``, ``LOGIN#<name>`` / ``GUARD``,
  ``RESET#<sha256>`` / ``RESET``, ``EMAILPROOF#<sha256>`` / ``EMAILPROOF`` -- sign-in codes, send
  logs, login guards, reset tokens, email confirmation tokens.
* ``SMSBUDGET#ip#<address>#<minute>`` / ``SMSBUDGET``, ``SMSBUDGET#all#<minute>`` / ``SMSBUDGET`` --
  SMS sent in one minute (epoch minute) from one client IP, and in all (the SMS budgets).
* ``OUTBOX#<to>`` / ``<created_at>#<id>`` -- messages kept by the local outbox sender.
* ``SESSION#<account_id>`` / ``SESSION#<session_id>`` -- one sign-in's session (refresh-token hash,
  expiries, revocation); an account's sessions are one item collection (listing, sign-out everywhere).
* ``CUSTOMER#<customer_id>`` / ``BOOKING#<created_at>#<booking_id>`` -- a booking in its customer's
  item collection; ``BOOKING#<booking_id>`` / ``BOOKING`` finds it by id.
* ``CUSTOMER#<customer_id>`` / ``LEDGER#<created_at>#<entry_id>`` -- a balance ledger entry in its
  customer's item collection; ``LEDGERKEY#<sha256>`` / ``LEDGERKEY`` -- the ``Idempotency-Key`` of an
  adjustment, naming the entry it posted (a retry finds it instead of posting again).
* ``CUSTOMER#<customer_id>`` / ``SOURCE#<collection>#<legacy_id>`` -- a legacy row the backfill
  attached to the customer, kept verbatim (secrets removed) in its item collection.
* ``IDEMPOTENCY#create_booking`` / hash of a key -- Powertools idempotency records.
* ``AUDIT#alias_check`` / ``STATE`` -- the latest alias check (a background scan of the markers).
* ``STATS#<shard>`` / ``STATS`` -- exact dashboard counters, sharded (:data:`STATS_SHARDS` items);
  each write that changes a count adds to one shard in its own transaction.
* ``MERGE#<merge_id>`` / ``MERGE`` -- a merge record (admin merge or a backfill's automatic one);
  ``CUSTOMER#<customer_id>`` / ``MERGE#<created_at>#<merge_id>`` -- a link to it in the item
  collection of each customer it touches (the per-customer listing of merges).

Sparse global secondary indexes (customers with a number only): ``by_number``, ``by_status``,
``by_area`` (area, then status), ``by_delivery_person`` and ``by_marketing_person`` (keys only);
``by_number`` also holds the claims (customers without a number yet) under ``CLAIMS``. The linkage
audit's ``by_missing_linkage`` holds the live customers that cannot sign in or have no email (or both),
sharded. Staff accounts reuse two of them under hash keys no customer can have: ``by_number`` with
``gsi1pk = STAFF`` (every staff account) and ``by_status`` with ``gsi2pk = ROLE#<role>`` (one
role), both sorted by ``<active|deactivated>#<created_at>#<account_id>``. Review items
(``REVIEW#``) reuse the four customer indexes under hash values of their own (``REVIEW#<status>…``,
see :func:`review_index_keys`), so a customer listing never meets one. ``by_name`` (the folded
name) and ``by_name_last_word`` (its last word, names of two words or more) serve name search.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_identity.core.folding import fold

type Key = tuple[str, str]

CUSTOMER_SK = "CUSTOMER"
ALIAS_SK = "ALIAS"
NUMBER_WIDTH = 12  # zero padding so that numbers sort as strings in the indexes
BOOKING_SK_PREFIX = "BOOKING#"
COUNTER_KEY: Key = ("COUNTER#customer_number", "COUNTER")
IDEMPOTENCY_PARTITION = "IDEMPOTENCY#create_booking"
PRIMARY_KEY_ATTRIBUTES = ("pk", "sk")


def phone_key(e164: str) -> Key:
    return f"PHONE#{e164}", CUSTOMER_SK


# A customer without a phone (released, recycled, or a separated member of a shared phone) lives in
# its own item collection; its *home* (what markers and merge records name) is its customer id.
CUSTOMER_ID_HOME_PREFIX = "cus_"


def customer_key(home: str) -> Key:
    """The key of a customer item from its home: its phone (E.164), or its customer id when it has none."""
    if home.startswith(CUSTOMER_ID_HOME_PREFIX):
        return f"CUSTOMER#{home}", CUSTOMER_SK
    return phone_key(home)


PHONE_HISTORY_PREFIX = "PHONEHIST#"


def phone_history_partition(e164: str) -> str:
    """Who held a phone before, one item per holding (``GET /admin/phone-history/{phone}``)."""
    return f"{PHONE_HISTORY_PREFIX}{e164}"


def phone_history_key(e164: str, held_until: str, customer_id: str) -> Key:
    return phone_history_partition(e164), f"{held_until}#{customer_id}"


def recycle_challenge_key(token_hash: str) -> Key:
    """A recycling challenge: a phone code verified for a dormant customer, awaiting proof."""
    return f"RECYCLE#{token_hash}", "CHALLENGE"


def customer_id_key(customer_id: str) -> Key:
    return f"CUSTOMER#{customer_id}", ALIAS_SK


def number_key(number: int) -> Key:
    return f"NUMBER#{number}", ALIAS_SK


def email_key(email: str) -> Key:
    return f"EMAIL#{email}", ALIAS_SK


def legacy_key(legacy_id: str) -> Key:
    return f"LEGACY#{legacy_id}", ALIAS_SK


def bookings_partition(customer_id: str) -> str:
    """The item collection holding a customer's bookings (newest last in sort order)."""
    return f"CUSTOMER#{customer_id}"


def booking_key(customer_id: str, created_at: str, booking_id: str) -> Key:
    return bookings_partition(customer_id), f"{BOOKING_SK_PREFIX}{created_at}#{booking_id}"


LEDGER_SK_PREFIX = "LEDGER#"


def ledger_entry_key(customer_id: str, created_at: str, entry_id: str) -> Key:
    return bookings_partition(customer_id), f"{LEDGER_SK_PREFIX}{created_at}#{entry_id}"


SOURCE_SK_PREFIX = "SOURCE#"


def legacy_record_key(customer_id: str, collection: str, legacy_id: str) -> Key:
    """A legacy row kept verbatim under the customer it was attached to (one per collection and id)."""
    return bookings_partition(customer_id), f"{SOURCE_SK_PREFIX}{collection}#{legacy_id}"


def ledger_request_key(key_digest: str) -> Key:
    """The marker of an adjustment's ``Idempotency-Key`` (its SHA-256, with the caller's id)."""
    return f"LEDGERKEY#{key_digest}", "LEDGERKEY"


def booking_ref_key(booking_id: str) -> Key:
    return f"BOOKING#{booking_id}", "BOOKING"


def staff_key(account_id: str) -> Key:
    return f"STAFF#{account_id}", "ACCOUNT"


# A staff key no account ever has (ids are ``stf_<hex>``): read in place of the account an unknown
# login email would have named, so that sign-in costs the same table requests either way.
NO_ACCOUNT_KEY: Key = staff_key("-")


def otp_key(e164: str) -> Key:
    return f"OTP#{e164}", "OTP"


def send_log_key(purpose: str, to: str) -> Key:
    return f"SENDS#{purpose}#{to}", "SENDS"


def login_guard_key(login_name: str) -> Key:
    return f"LOGIN#{login_name}", "GUARD"


SESSION_SK_PREFIX = "SESSION#"


def sessions_partition(account_id: str) -> str:
    """The item collection of an account's sessions."""
    return f"SESSION#{account_id}"


def session_key(account_id: str, session_id: str) -> Key:
    return sessions_partition(account_id), f"{SESSION_SK_PREFIX}{session_id}"


def sms_ip_budget_key(source_ip: str, minute: int) -> Key:
    """SMS sent in epoch minute ``minute`` for requests from ``source_ip``."""
    return f"SMSBUDGET#ip#{source_ip}#{minute}", "SMSBUDGET"


def sms_global_budget_key(minute: int) -> Key:
    """Every SMS sent in epoch minute ``minute``: one item, never sharded (see ``use_cases.sms_budget``)."""
    return f"SMSBUDGET#all#{minute}", "SMSBUDGET"


def reset_token_key(token_hash: str) -> Key:
    return f"RESET#{token_hash}", "RESET"


def email_proof_key(token_hash: str) -> Key:
    return f"EMAILPROOF#{token_hash}", "EMAILPROOF"


def outbox_partition(to: str) -> str:
    return f"OUTBOX#{to}"


def outbox_key(to: str, created_at: str, message_id: str) -> Key:
    return outbox_partition(to), f"{created_at}#{message_id}"


# Concurrent transactions that touch the same item conflict; spreading the counters over shards
# (one chosen at random per transaction) keeps that rare. Readers sum all shards (one BatchGetItem).
STATS_SHARDS = 16


def stats_key(shard: int) -> Key:
    if not 0 <= shard < STATS_SHARDS:
        raise ValueError(f"stats shard {shard} outside 0..{STATS_SHARDS - 1}")
    return f"STATS#{shard:02d}", "STATS"


MERGE_LINK_PREFIX = "MERGE#"


def merge_key(merge_id: str) -> Key:
    return f"MERGE#{merge_id}", "MERGE"


def merge_link_key(customer_id: str, created_at: str, merge_id: str) -> Key:
    """A merge's link in a customer's item collection (next to its bookings), newest last in sort order."""
    return bookings_partition(customer_id), f"{MERGE_LINK_PREFIX}{created_at}#{merge_id}"


def reservation_attribute(customer_id: str) -> str:
    """The counter's attribute recording the number taken for a claim until it is finalized."""
    return f"reserved#{customer_id}"


# --- indexes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Index:
    name: str
    hash_attribute: str
    range_attribute: str

    @property
    def cursor_attributes(self) -> tuple[str, ...]:
        """The attributes of a ``LastEvaluatedKey`` of a query on this index."""
        return (*PRIMARY_KEY_ATTRIBUTES, self.hash_attribute, self.range_attribute)


BY_NUMBER = Index("by_number", "gsi1pk", "gsi1sk")
BY_STATUS = Index("by_status", "gsi2pk", "gsi2sk")
BY_AREA = Index("by_area", "gsi3pk", "gsi3sk")
BY_DELIVERY_PERSON = Index("by_delivery_person", "gsi4pk", "gsi4sk")
# One entry per live customer missing a login, an email or both (``MISSING#<login|email|both>#<shard>``):
# the audit's examples; one index instead of one per kind saves a create an entry (docs/cost.md).
BY_MISSING_LINKAGE = Index("by_missing_linkage", "missingpk", "missingsk")
CLAIMS = "CLAIMS"
# Customers lacking a login or an email can be most of a legacy import: spread each such index
# over a few partition keys so a backfill's writes do not all land on one index partition.
LINKAGE_SHARDS = 4
MISSING_LOGIN = "login"  # what a linkage partition names as missing
MISSING_EMAIL = "email"
MISSING_BOTH = "both"
BY_NAME = Index("by_name", "gsi5pk", "gsi5sk")
BY_NAME_LAST_WORD = Index("by_name_last_word", "gsi6pk", "gsi6sk")
# The customers a marketing staff account signed up: keys (and ``entity``) only, a page is hydrated
# with one BatchGetItem, so an entry changes only when the customer's marketing person does.
BY_MARKETING_PERSON = Index("by_marketing_person", "gsi7pk", "gsi7sk")
INDEXES = (
    BY_NUMBER,
    BY_STATUS,
    BY_AREA,
    BY_DELIVERY_PERSON,
    BY_MISSING_LINKAGE,
    BY_NAME,
    BY_NAME_LAST_WORD,
    BY_MARKETING_PERSON,
)
ALL_CUSTOMERS = "CUSTOMERS"
# Folded names are cut to this many characters in the name indexes (a key stays far below
# DynamoDB's 1 KiB sort-key limit; nobody types a longer prefix).
NAME_KEY_CHARS = 100


def padded_number(number: int) -> str:
    return str(number).zfill(NUMBER_WIDTH)


def area_value(area: str) -> str:
    return f"AREA#{' '.join(area.split()).casefold()}"


def status_value(status: str) -> str:
    return f"STATUS#{status}"


def delivery_value(delivery_person_id: str) -> str:
    return f"DELIVERY#{delivery_person_id}"


def marketing_value(marketing_person_id: str) -> str:
    return f"MARKETER#{marketing_person_id}"


def linkage_partition(missing: str, shard: int) -> str:
    return f"MISSING#{missing}#{shard}"


def linkage_partitions(missing: str) -> list[str]:
    """Every partition holding customers that miss ``missing`` (alone, or with the other)."""
    return [linkage_partition(kind, shard) for kind in (missing, MISSING_BOTH) for shard in range(LINKAGE_SHARDS)]


def name_partition(folded: str) -> str:
    """Name index partitions are split by the first folded character: a prefix query reads one
    partition, and writes spread over as many partitions as names have first letters."""
    return f"NAME#{folded[0]}"


def name_index_keys(name: str | None, padded: str) -> dict[str, str]:
    folded = fold(name or "")[:NAME_KEY_CHARS].rstrip()
    if not folded:
        return {}
    found = {BY_NAME.hash_attribute: name_partition(folded), BY_NAME.range_attribute: f"{folded}#{padded}"}
    words = folded.split(" ")
    if len(words) > 1:
        last = words[-1]
        found.update(
            {
                BY_NAME_LAST_WORD.hash_attribute: name_partition(last),
                BY_NAME_LAST_WORD.range_attribute: f"{last}#{padded}",
            }
        )
    return found


def customer_index_keys(
    *,
    number: int | None,
    status: str,
    area: str | None,
    delivery_person_id: str | None,
    claimed_at: str | None = None,
    has_login: bool = True,
    has_email: bool = True,
    name: str | None = None,
    marketing_person_id: str | None = None,
) -> dict[str, str | None]:
    """The index attributes of a customer: a claim (no number) is only under ``CLAIMS`` (``claimed_at``
    order); pass ``number=None`` and no ``claimed_at`` for a customer listed nowhere (merged away)."""
    keys: dict[str, str | None] = {attr: None for index in INDEXES for attr in index.cursor_attributes[2:]}
    if number is None:
        if claimed_at is not None:
            keys.update(gsi1pk=CLAIMS, gsi1sk=claimed_at)
        return keys
    padded = padded_number(number)
    shard = number % LINKAGE_SHARDS
    missing = [kind for kind, has in ((MISSING_LOGIN, has_login), (MISSING_EMAIL, has_email)) if not has]
    if missing:
        kind = MISSING_BOTH if len(missing) == 2 else missing[0]
        keys.update(missingpk=linkage_partition(kind, shard), missingsk=padded)
    keys.update(gsi1pk=ALL_CUSTOMERS, gsi1sk=padded, gsi2pk=status_value(status), gsi2sk=padded)
    if area:
        keys.update(gsi3pk=area_value(area), gsi3sk=f"{status}#{padded}")
    if delivery_person_id:
        keys.update(gsi4pk=delivery_value(delivery_person_id), gsi4sk=padded)
    if marketing_person_id:
        keys.update(gsi7pk=marketing_value(marketing_person_id), gsi7sk=padded)
    keys.update(name_index_keys(name, padded))
    return keys


@dataclass(frozen=True)
class CustomerQuery:
    """Which index page serves a listing, and what still filters it."""

    index: Index
    hash_value: str
    range_prefix: str | None = None
    status_filter: str | None = None
    area_filter: str | None = None  # the ``gsi3pk`` value to match

    @property
    def query_id(self) -> str:
        """Binds a cursor to this query (a cursor of another query is refused)."""
        return f"{self.index.name}|{self.hash_value}|{self.range_prefix or ''}|{self.status_filter or ''}|" + (
            self.area_filter or ""
        )


def customer_query(*, status: str | None, area: str | None, delivery_person_id: str | None) -> CustomerQuery:
    if delivery_person_id:
        return CustomerQuery(
            BY_DELIVERY_PERSON,
            delivery_value(delivery_person_id),
            status_filter=status,
            area_filter=area_value(area) if area else None,
        )
    if area:
        return CustomerQuery(BY_AREA, area_value(area), range_prefix=f"{status}#" if status else None)
    if status:
        return CustomerQuery(BY_STATUS, status_value(status))
    return CustomerQuery(BY_NUMBER, ALL_CUSTOMERS)


def marketing_person_query(marketing_person_id: str) -> CustomerQuery:
    """The customers one marketing staff account signed up, in number order (keys only)."""
    return CustomerQuery(BY_MARKETING_PERSON, marketing_value(marketing_person_id))


# --- audit ---------------------------------------------------------------------------------------

ALIAS_CHECK_KEY: Key = ("AUDIT#alias_check", "STATE")


MARKER_PREFIXES = {"CUSTOMER#": "customer_id", "NUMBER#": "customer_number", "EMAIL#": "email", "LEGACY#": "legacy_id"}


def marker_identifier(marker_key: Key) -> tuple[str, str]:
    """(kind, identifier) of a marker's key: ``("NUMBER#12", "ALIAS")`` -> ``("customer_number", "12")``."""
    for prefix, kind in MARKER_PREFIXES.items():
        if marker_key[0].startswith(prefix):
            return kind, marker_key[0].removeprefix(prefix)
    raise ValueError(f"{marker_key!r} is not a marker key")


def alias_check_cursor_attribute(segment: int) -> str:
    return f"cursor#{segment}"


def alias_check_examples_attribute(segment: int) -> str:
    return f"examples#{segment}"


# --- staff listings (reusing by_number and by_status under hash keys customers never have) -----

ALL_STAFF = "STAFF"
STAFF_STATES = ("active", "deactivated")


def role_value(role: str) -> str:
    return f"ROLE#{role}"


def staff_index_keys(*, role: str, active: bool, created_at: str, account_id: str) -> dict[str, str | None]:
    """The index attributes of a staff account: listed among all staff and under its role."""
    sort = f"{'active' if active else 'deactivated'}#{created_at}#{account_id}"
    keys: dict[str, str | None] = {attr: None for index in INDEXES for attr in index.cursor_attributes[2:]}
    keys.update(
        {
            BY_NUMBER.hash_attribute: ALL_STAFF,
            BY_NUMBER.range_attribute: sort,
            BY_STATUS.hash_attribute: role_value(role),
            BY_STATUS.range_attribute: sort,
        }
    )
    return keys


@dataclass(frozen=True)
class StaffQuery:
    """Which index page lists staff: active accounts first, each state in creation order."""

    index: Index
    hash_value: str
    range_prefix: str | None = None

    @property
    def query_id(self) -> str:
        return f"staff|{self.index.name}|{self.hash_value}|{self.range_prefix or ''}"


def staff_query(*, role: str | None, active: bool | None) -> StaffQuery:
    prefix = None if active is None else f"{'active' if active else 'deactivated'}#"
    if role:
        return StaffQuery(BY_STATUS, role_value(role), prefix)
    return StaffQuery(BY_NUMBER, ALL_STAFF, prefix)


@dataclass(frozen=True)
class NameSearch:
    """A name-prefix search (``prefix`` already folded), optionally within one delivery person's
    customers and filtered by status and area."""

    prefix: str
    delivery_person_id: str | None = None
    status_filter: str | None = None
    area_filter: str | None = None  # the ``gsi3pk`` value to match

    @property
    def partition(self) -> str:
        return name_partition(self.prefix)

    @property
    def query_id(self) -> str:
        fields = (self.prefix, self.delivery_person_id, self.status_filter, self.area_filter)
        return "names|" + "|".join(value or "" for value in fields)


def member_name_key(customer_id: str, member_id: str) -> Key:
    """A household member's name in the name index, beside its customer's id marker."""
    return f"CUSTOMER#{customer_id}", f"MEMBER#{member_id}"


def name_search(prefix: str, *, status: str | None, area: str | None, delivery_person_id: str | None) -> NameSearch:
    return NameSearch(
        prefix,
        delivery_person_id=delivery_person_id,
        status_filter=status,
        area_filter=area_value(area) if area else None,
    )


# --- backfill ------------------------------------------------------------------------------------


def review_key(collection: str, reference: str) -> Key:
    """A legacy row held for review; ``reference`` is its legacy id, or ``line:<n>`` when it has none."""
    return f"REVIEW#{collection}#{reference}", "REVIEW"


def backfill_run_key(run_id: str) -> Key:
    return f"BACKFILL#{run_id}", "RUN"


# Backfill runs started from the console (``/admin/backfill-runs``): one partition, sorted by run id
# (which starts with its creation time), so the newest runs are one ``Query`` read backwards.
CONSOLE_BACKFILL_RUNS = "RUNS#backfill"


def console_backfill_run_key(run_id: str) -> Key:
    return CONSOLE_BACKFILL_RUNS, f"RUN#{run_id}"


# --- the review queue ------------------------------------------------------------------------------
# Every review item is in all four indexes, each keyed by its status and one combination of the
# filters (none, collection, reason, both), sorted by when it was held: each filter combination of
# ``GET /admin/review`` is one exact ``Query``, oldest first, with no filter expression.


def review_index_keys(
    *, status: str, collection: str, reason: str, created_at: str, review_id: str
) -> dict[str, str | None]:
    order = f"{created_at}#{review_id}"
    hashes = {
        BY_NUMBER: _review_hash(status, None, None),
        BY_STATUS: _review_hash(status, collection, None),
        BY_AREA: _review_hash(status, None, reason),
        BY_DELIVERY_PERSON: _review_hash(status, collection, reason),
    }
    found: dict[str, str | None] = {}
    for index, value in hashes.items():
        found[index.hash_attribute], found[index.range_attribute] = value, order
    return found


def _review_hash(status: str, collection: str | None, reason: str | None) -> str:
    value = f"REVIEW#{status}"
    if collection:
        value += f"#COLLECTION#{collection}"
    if reason:
        value += f"#REASON#{reason}"
    return value


@dataclass(frozen=True)
class ReviewQuery:
    """The index page that serves one filter combination of the review queue."""

    index: Index
    hash_value: str

    @property
    def query_id(self) -> str:
        return f"review|{self.index.name}|{self.hash_value}"


def review_query(*, status: str, collection: str | None, reason: str | None) -> ReviewQuery:
    index = {
        (False, False): BY_NUMBER,
        (True, False): BY_STATUS,
        (False, True): BY_AREA,
        (True, True): BY_DELIVERY_PERSON,
    }[(bool(collection), bool(reason))]
    return ReviewQuery(index, _review_hash(status, collection, reason))
