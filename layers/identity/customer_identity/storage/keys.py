"""Every key and index shape of the single table. No other module builds a key string.

Items (``pk`` / ``sk``):

* ``PHONE#<e164>`` / ``CUSTOMER`` -- a customer, keyed by its phone (one phone, one item).
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
* ``OUTBOX#<to>`` / ``<created_at>#<id>`` -- messages kept by the local outbox sender.
* ``CUSTOMER#<customer_id>`` / ``BOOKING#<created_at>#<booking_id>`` -- a booking in its customer's
  item collection; ``BOOKING#<booking_id>`` / ``BOOKING`` finds it by id.
* ``IDEMPOTENCY#create_booking`` / hash of a key -- Powertools idempotency records.
* ``STATS#<shard>`` / ``STATS`` -- exact dashboard counters, sharded (:data:`STATS_SHARDS` items);
  each write that changes a count adds to one shard in its own transaction.

Sparse global secondary indexes (customers with a number only): ``by_number``, ``by_status``,
``by_area`` (area, then status) and ``by_delivery_person``.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def booking_ref_key(booking_id: str) -> Key:
    return f"BOOKING#{booking_id}", "BOOKING"


def staff_key(account_id: str) -> Key:
    return f"STAFF#{account_id}", "ACCOUNT"


def otp_key(e164: str) -> Key:
    return f"OTP#{e164}", "OTP"


def send_log_key(purpose: str, to: str) -> Key:
    return f"SENDS#{purpose}#{to}", "SENDS"


def login_guard_key(login_name: str) -> Key:
    return f"LOGIN#{login_name}", "GUARD"


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
INDEXES = (BY_NUMBER, BY_STATUS, BY_AREA, BY_DELIVERY_PERSON)
ALL_CUSTOMERS = "CUSTOMERS"


def padded_number(number: int) -> str:
    return str(number).zfill(NUMBER_WIDTH)


def area_value(area: str) -> str:
    return f"AREA#{' '.join(area.split()).casefold()}"


def status_value(status: str) -> str:
    return f"STATUS#{status}"


def delivery_value(delivery_person_id: str) -> str:
    return f"DELIVERY#{delivery_person_id}"


def customer_index_keys(
    *, number: int | None, status: str, area: str | None, delivery_person_id: str | None
) -> dict[str, str | None]:
    """The index attributes of a customer (all None for a claim, which is listed nowhere)."""
    keys: dict[str, str | None] = {attr: None for index in INDEXES for attr in index.cursor_attributes[2:]}
    if number is None:
        return keys
    padded = padded_number(number)
    keys.update(gsi1pk=ALL_CUSTOMERS, gsi1sk=padded, gsi2pk=status_value(status), gsi2sk=padded)
    if area:
        keys.update(gsi3pk=area_value(area), gsi3sk=f"{status}#{padded}")
    if delivery_person_id:
        keys.update(gsi4pk=delivery_value(delivery_person_id), gsi4sk=padded)
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


# --- backfill ------------------------------------------------------------------------------------


def review_key(collection: str, reference: str) -> Key:
    """A legacy row held for review; ``reference`` is its legacy id, or ``line:<n>`` when it has none."""
    return f"REVIEW#{collection}#{reference}", "REVIEW"


def backfill_run_key(run_id: str) -> Key:
    return f"BACKFILL#{run_id}", "RUN"
