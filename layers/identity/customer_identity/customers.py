"""Customers: race-safe find-or-create by phone, numbering, resolution of any identifier, updates.

Every uniqueness rule is enforced by a conditional write inside one ``TransactWriteItems``:

* one customer per phone: the customer item is keyed by its phone and put with
  ``attribute_not_exists``; a loser gets the winner back (``ReturnValuesOnConditionCheckFailure``);
* gap-free customer numbers: the counter update is conditioned on the value read, in the same
  transaction that creates the customer, so a losing racer changes nothing and burns no number;
* unique customer id, number and email: marker items put with ``attribute_not_exists``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from customer_identity import table
from customer_identity.contention import Contention
from customer_identity.errors import (
    CustomerNotFound,
    EmailTaken,
    InvalidInput,
    InvalidReference,
    LegacyIdTaken,
    NextNumberTooLow,
    PhoneTaken,
)
from customer_identity.models import (
    DEFAULT_STATUS,
    Customer,
    CustomerChanges,
    CustomerPage,
    CustomerResult,
    NewCustomer,
    NumberingState,
)
from customer_identity.paging import decode_cursor, page_of
from customer_identity.phones import looks_like_phone, normalise_phone
from customer_identity.settings import Settings
from customer_identity.table import (
    AliasItem,
    CounterItem,
    CustomerItem,
    StaffItem,
    TableItem,
    TransactionCancelled,
)

CUSTOMER_ID_PREFIX = "cus_"
MAX_REF_LENGTH = 256
MAX_PAGE_SIZE = 100
# A claim (a customer without its number yet) older than this was abandoned by a failed request.
ABANDONED_CLAIM_SECONDS = 10.0
MAX_LEGACY_IDS_PER_CALL = 90  # one transaction holds at most 100 writes
_OPTIONAL_FIELDS = ("name", "email", "address", "area")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


@dataclass(frozen=True)
class Resolved:
    item: CustomerItem
    kind: str


class CustomerService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._number_pattern = re.compile(
            rf"^{re.escape(settings.customer_number_prefix)}(\d{{1,{table.NUMBER_WIDTH}}})$", re.IGNORECASE
        )
        table.bind(settings)

    # --- presentation -------------------------------------------------------------------------

    def format_number(self, number: int) -> str:
        return f"{self.settings.customer_number_prefix}{number}"

    def to_customer(self, item: CustomerItem) -> Customer:
        return Customer(
            customer_id=item.customer_id,
            customer_number=self.format_number(int(item.customer_number)),
            phone=item.phone,
            name=item.name,
            email=item.email,
            status=item.status,  # type: ignore[arg-type]
            address=item.address,
            area=item.area,
            legacy_ids=sorted(item.legacy_ids or ()),
            delivery_person_id=item.delivery_person_id,
            total_bookings=int(item.total_bookings or 0),
            total_spent=(item.total_spent or Decimal("0")).quantize(Decimal("0.01")),
            created_at=item.created_at,
            updated_at=item.updated_at,
        )

    # --- find-or-create -----------------------------------------------------------------------

    def find_or_create(self, new: NewCustomer) -> CustomerResult:
        """Return the customer of ``new.phone``, creating it (with the next number) if there is none."""
        item, created = self.find_or_create_item(new)
        if created:
            return CustomerResult(created=True, customer=self.to_customer(item))
        email = normalise_email(new.email)
        return CustomerResult(
            created=False, customer=self.to_customer(item), ignored_fields=_ignored_fields(new, email, item)
        )

    def find_or_create_item(self, new: NewCustomer) -> tuple[CustomerItem, bool]:
        """(the customer of ``new.phone``, whether this call created it).

        One request when the customer exists; two when it is created without contention: a
        transaction that creates the customer and its markers and moves the counter only if it
        still holds the value just read. When other creates moved the counter meanwhile, optimistic
        retries would cost every waiting request one attempt per number issued, so the request
        takes the contended path instead (:meth:`_create_claimed`), which costs O(1) requests.
        """
        phone = normalise_phone(new.phone, self.settings.default_region)
        email = normalise_email(new.email)
        existing, counter = self._read_customer_and_counter(phone.e164)
        if existing is None:
            draft = self._draft(new, phone.e164, phone.raw, email)
            created, existing = self._create_with_counter_as_read(draft, counter)
            if created is None and existing is None:
                created, existing = self._create_claimed(draft, counter_exists=counter is not None)
            if created is not None:
                return created, True
        assert existing is not None
        return self._settled(existing), False

    def _draft(self, new: NewCustomer, e164: str, raw: str, email: str | None) -> CustomerItem:
        now = utc_now()
        return CustomerItem(
            customer_id=f"{CUSTOMER_ID_PREFIX}{uuid.uuid4().hex}",
            phone=e164,
            phone_raw=raw,
            name=new.name,
            email=email,
            status=new.status or DEFAULT_STATUS,
            address=new.address,
            area=new.area,
            total_bookings=0,
            total_spent=Decimal("0"),
            created_at=now,
            updated_at=now,
            revision=1,
        )

    def _create_with_counter_as_read(
        self, draft: CustomerItem, counter: CounterItem | None
    ) -> tuple[CustomerItem | None, CustomerItem | None]:
        """(created, None), (None, existing) when the phone has a customer, or (None, None)."""
        number = int(counter.next_number) if counter else self.settings.customer_number_start
        item = _copy(draft)
        item.customer_number = number
        item.refresh_keys()
        tx = table.Transaction()
        tx.put("customer", item, condition=CustomerItem.pk.does_not_exist())
        if counter is None:
            fresh = CounterItem(*table.COUNTER_KEY, next_number=number + 1, last_issued=number)
            tx.put("counter", fresh, condition=CounterItem.pk.does_not_exist())
        else:
            tx.update(
                "counter",
                CounterItem(*table.COUNTER_KEY),
                actions=[CounterItem.next_number.set(number + 1), CounterItem.last_issued.set(number)],
                condition=CounterItem.next_number == number,
            )
        self._add_markers(tx, item, kinds={"customer_id", "customer_number", "email"})
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed("customer"):  # another request created this phone's customer first
                return None, cancelled.old_item("customer", CustomerItem) or self._get_item(item.phone)
            if cancelled.failed("email"):
                raise EmailTaken() from cancelled
            return None, None
        return item, None

    def _create_claimed(
        self, draft: CustomerItem, *, counter_exists: bool
    ) -> tuple[CustomerItem | None, CustomerItem | None]:
        """The contended path: claim the phone, then take a number, then finalize.

        The claim (the customer without a number, with its id and email markers) is one
        conditional transaction, so only one request per phone gets past it; only that request
        takes a number, with an atomic counter update that cannot fail, so a losing racer never
        burns a number. Requests that find a claim wait for it to be finalized (:meth:`_settled`).
        """
        contention = Contention(self.settings.contention_budget_seconds)
        claim = _copy(draft)
        claim.pending_since = time.time()
        claim.refresh_keys()
        while True:
            tx = table.Transaction()
            tx.put("customer", claim, condition=CustomerItem.pk.does_not_exist())
            self._add_markers(tx, claim, kinds={"customer_id", "email"})
            try:
                tx.commit()
                break
            except TransactionCancelled as cancelled:
                if cancelled.failed("customer"):
                    existing = cancelled.old_item("customer", CustomerItem) or self._get_item(claim.phone)
                    if existing is not None:
                        return None, existing
                if cancelled.failed("email"):
                    raise EmailTaken() from cancelled
                contention.wait()  # a transaction conflict in flight (DynamoDB, not the emulator)
        if not counter_exists:
            self._create_counter(self.settings.customer_number_start)
        return self._finalize(claim, self._take_number()), None

    def _create_counter(self, next_number: int) -> bool:
        """Create the counter with ``next_number`` unless it exists; True if this call created it."""
        try:
            CounterItem(*table.COUNTER_KEY, next_number=next_number).save(condition=CounterItem.pk.does_not_exist())
        except PutError as error:
            table.raise_unless_condition_failed(error)
            return False
        return True

    def _take_number(self) -> int:
        """Issue the next number atomically (one request, never contended away)."""
        counter = CounterItem(*table.COUNTER_KEY)
        counter.update(
            actions=[
                CounterItem.next_number.set(CounterItem.next_number + 1),
                CounterItem.last_issued.set(CounterItem.next_number),  # right-hand sides read the old item
            ],
            condition=CounterItem.pk.exists(),
        )
        return int(counter.last_issued)

    def _finalize(self, claim: CustomerItem, number: int) -> CustomerItem:
        item = _copy(claim)
        item.customer_number = number
        item.pending_since = None
        item.refresh_keys()
        tx = table.Transaction()
        tx.put(
            "customer",
            item,
            condition=(CustomerItem.customer_id == claim.customer_id) & CustomerItem.customer_number.does_not_exist(),
        )
        self._add_markers(tx, item, kinds={"customer_number"})
        tx.commit()
        return item

    def _settled(self, item: CustomerItem) -> CustomerItem:
        """``item`` once it has its number: wait for the claim's owner, or adopt an abandoned claim."""
        contention = Contention(self.settings.contention_budget_seconds)
        while item.customer_number is None:
            if time.time() - float(item.pending_since or 0) > ABANDONED_CLAIM_SECONDS:
                adopted = self._adopt(item)
                if adopted is not None:
                    return adopted
            contention.wait()
            current = self._get_item(item.phone)
            if current is None or current.customer_id != item.customer_id:
                raise CustomerNotFound(item.phone)
            item = current
        return item

    def _adopt(self, item: CustomerItem) -> CustomerItem | None:
        """Finish a claim whose owner died between claiming and finalizing (at most one adopter)."""
        try:
            item.update(
                actions=[CustomerItem.pending_since.set(time.time())],
                condition=CustomerItem.pending_since == item.pending_since,
            )
        except UpdateError:
            return None
        self._create_counter(self.settings.customer_number_start)
        return self._finalize(item, self._take_number())

    def _add_markers(self, tx: table.Transaction, item: CustomerItem, *, kinds: set[str]) -> None:
        for kind, key in table.alias_keys_of(item):
            if kind in kinds:
                alias = table.alias_item(
                    key, kind=kind, customer_id=item.customer_id, phone=item.phone, now=item.updated_at
                )
                tx.put(kind, alias, condition=AliasItem.pk.does_not_exist())

    def _read_customer_and_counter(self, e164: str) -> tuple[CustomerItem | None, CounterItem | None]:
        customer = counter = None
        for item in TableItem.batch_get([table.phone_key(e164), table.COUNTER_KEY], consistent_read=True):
            if isinstance(item, CustomerItem):
                customer = item
            elif isinstance(item, CounterItem):
                counter = item
        return customer, counter

    # --- numbering ----------------------------------------------------------------------------

    def numbering_state(self) -> NumberingState:
        try:
            counter = CounterItem.get(*table.COUNTER_KEY, consistent_read=True)
        except DoesNotExist:
            return self._numbering(self.settings.customer_number_start, None)
        return self._numbering(int(counter.next_number), counter.last_issued)

    def _numbering(self, next_number: int, last_issued: int | None) -> NumberingState:
        return NumberingState(
            next_number=next_number,
            next_customer_number=self.format_number(next_number),
            last_issued=self.format_number(int(last_issued)) if last_issued is not None else None,
        )

    def set_next_number(self, next_number: int) -> NumberingState:
        """Make ``next_number`` the next customer number; it must be above every number issued."""
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            tx = table.Transaction()
            tx.update(
                "counter",
                CounterItem(*table.COUNTER_KEY),
                actions=[CounterItem.next_number.set(next_number)],
                condition=CounterItem.pk.exists()
                & (CounterItem.last_issued.does_not_exist() | (CounterItem.last_issued < next_number)),
            )
            try:
                tx.commit()
                return self.numbering_state()
            except TransactionCancelled as cancelled:
                counter = cancelled.old_item("counter", CounterItem)
                if counter is not None:
                    raise NextNumberTooLow(next_number, int(counter.last_issued)) from cancelled
            # No counter yet: create it, unless a first customer got there first (then decide again).
            if self._create_counter(next_number):
                return self.numbering_state()
            contention.wait()

    # --- resolution ---------------------------------------------------------------------------

    def resolve(self, ref: str) -> Resolved:
        """Find the customer that ``ref`` names: id, number, phone (any shape), email or legacy id."""
        ref = (ref or "").strip()
        if not ref or len(ref) > MAX_REF_LENGTH:
            raise CustomerNotFound(ref)
        number = self.parse_number(ref)
        if number is not None:
            return self._via_alias(table.number_key(number), "customer_number", ref)
        if ref.startswith(CUSTOMER_ID_PREFIX):
            return self._via_alias(table.customer_id_key(ref), "customer_id", ref)
        if "@" in ref:
            return self._via_alias(table.email_key(normalise_email(ref) or ""), "email", ref)
        if looks_like_phone(ref):
            try:
                phone = normalise_phone(ref, self.settings.default_region)
            except InvalidInput:
                phone = None
            if phone is not None:
                item = self.get_by_phone(phone.e164)
                if item is not None:
                    return Resolved(item, "phone")
        return self._via_alias(table.legacy_key(ref), "legacy_id", ref)

    def parse_number(self, ref: str) -> int | None:
        match = self._number_pattern.match(ref)
        return int(match.group(1)) if match else None

    def get_by_phone(self, e164: str) -> CustomerItem | None:
        item = self._get_item(e164)
        return self._settled(item) if item is not None else None

    def _get_item(self, e164: str) -> CustomerItem | None:
        try:
            return CustomerItem.get(*table.phone_key(e164), consistent_read=True)
        except DoesNotExist:
            return None

    def _via_alias(self, key: tuple[str, str], kind: str, ref: str) -> Resolved:
        # A phone change moves the customer item and re-points markers in one transaction; reading
        # the marker and then the item can straddle it, so read again when they disagree.
        for _ in range(3):
            alias = table.get(AliasItem, key)  # None also for a staff account's email: not a customer
            if alias is None:
                break
            item = self.get_by_phone(alias.phone)
            if item is not None and item.customer_id == alias.customer_id:
                return Resolved(item, kind)
        raise CustomerNotFound(ref)

    # --- updates ------------------------------------------------------------------------------

    def update(
        self, ref: str, changes: CustomerChanges, *, authorize: Callable[[CustomerItem], None] | None = None
    ) -> Customer:
        """Apply ``changes`` to the customer ``ref`` names. A phone change keeps id and number.

        ``authorize`` sees the customer first and raises if the caller may not make these changes.
        """
        given = changes.model_fields_set
        for required in ("phone", "status"):
            if required in given and getattr(changes, required) is None:
                raise InvalidInput(f"{required} cannot be removed", field=required, code=f"invalid_{required}")
        new_phone = normalise_phone(changes.phone, self.settings.default_region) if changes.phone is not None else None
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            current = self.resolve(ref).item
            if authorize is not None:
                authorize(current)
            updated = _copy(current)
            for name in given:
                value = getattr(changes, name)
                if name == "phone":
                    assert new_phone is not None
                    if new_phone.e164 != current.phone:
                        updated.phone, updated.phone_raw = new_phone.e164, new_phone.raw
                elif name == "email":
                    updated.email = normalise_email(value)
                else:
                    setattr(updated, name, value)
            if updated.attribute_values == current.attribute_values:
                return self.to_customer(current)
            updated.revision = int(current.revision or 0) + 1
            updated.updated_at = utc_now()
            updated.refresh_keys()
            try:
                self._write_update(current, updated)
                return self.to_customer(updated)
            except TransactionCancelled as cancelled:
                if cancelled.failed("new_phone"):
                    raise PhoneTaken() from cancelled
                if cancelled.failed("new_email"):
                    raise EmailTaken() from cancelled
                if cancelled.failed("delivery_person"):
                    raise InvalidReference(
                        f"{updated.delivery_person_id!r} is not a delivery person's account id",
                        field="delivery_person_id",
                    ) from cancelled
                contention.wait()  # the customer changed under us: read it again and reapply

    def set_credentials(self, current: CustomerItem, *, email: str | None, password_hash: str | None) -> CustomerItem:
        """Set the login email and/or password hash of the customer ``current`` (as just read); the
        email marker moves in the same transaction, so an email is never held by two accounts."""
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            updated = _copy(current)
            now = utc_now()
            if email is not None:
                updated.email = normalise_email(email)
            if password_hash is not None:
                updated.password_hash, updated.password_changed_at = password_hash, now
            updated.revision = int(current.revision or 0) + 1
            updated.updated_at = now
            updated.refresh_keys()
            try:
                self._write_update(current, updated)
                return updated
            except TransactionCancelled as cancelled:
                if cancelled.failed("new_email"):
                    raise EmailTaken() from cancelled
                contention.wait()
                current = self.resolve(current.customer_id).item  # changed meanwhile: read it again

    def _write_update(self, current: CustomerItem, updated: CustomerItem) -> None:
        unchanged_revision = CustomerItem.revision == current.revision
        email_changed = updated.email != current.email
        tx = table.Transaction()
        if updated.delivery_person_id and updated.delivery_person_id != current.delivery_person_id:
            tx.check(
                "delivery_person",
                StaffItem,
                table.staff_key(updated.delivery_person_id),
                condition=StaffItem.role == "delivery_person",
            )
        if updated.phone != current.phone:
            tx.delete("customer", current, condition=unchanged_revision)
            tx.put("new_phone", updated, condition=CustomerItem.pk.does_not_exist())
            for kind, key in table.alias_keys_of(current):
                if kind == "email" and email_changed:
                    continue
                tx.update(
                    f"{kind}:{key[0]}",
                    AliasItem(*key),
                    actions=[AliasItem.phone.set(updated.phone)],
                    condition=AliasItem.customer_id == current.customer_id,
                )
        else:
            tx.put("customer", updated, condition=unchanged_revision)
        if email_changed:
            if current.email:
                old_key = table.email_key(current.email)
                tx.delete("old_email", AliasItem(*old_key), condition=AliasItem.customer_id == current.customer_id)
            if updated.email:
                alias = table.alias_item(
                    table.email_key(updated.email),
                    kind="email",
                    customer_id=updated.customer_id,
                    phone=updated.phone,
                    now=updated.updated_at,
                )
                tx.put("new_email", alias, condition=AliasItem.pk.does_not_exist())
        tx.commit()

    # --- legacy identifiers -------------------------------------------------------------------

    def attach_legacy_ids(self, ref: str, legacy_ids: list[str]) -> Customer:
        """Make each of ``legacy_ids`` resolve to the customer ``ref`` names (idempotent).

        An id already attached to another customer is refused (:class:`LegacyIdTaken`); nothing
        is written then. At most ``MAX_LEGACY_IDS_PER_CALL`` ids per call (one transaction).
        """
        wanted = sorted({legacy.strip() for legacy in legacy_ids if legacy and legacy.strip()})
        if len(wanted) > MAX_LEGACY_IDS_PER_CALL:
            raise InvalidInput(
                f"at most {MAX_LEGACY_IDS_PER_CALL} legacy ids per call", field="legacy_ids", code="invalid_legacy_ids"
            )
        for legacy in wanted:
            if len(legacy) > MAX_REF_LENGTH or legacy.startswith(CUSTOMER_ID_PREFIX):
                raise InvalidInput(f"{legacy!r} cannot be a legacy id", field="legacy_ids", code="invalid_legacy_ids")
        contention = Contention(self.settings.contention_budget_seconds)
        while True:
            current = self.resolve(ref).item
            new = [legacy for legacy in wanted if legacy not in (current.legacy_ids or set())]
            if not new:
                return self.to_customer(current)
            updated = _copy(current)
            updated.legacy_ids = set(current.legacy_ids or ()) | set(new)
            updated.revision = int(current.revision or 0) + 1
            updated.updated_at = utc_now()
            tx = table.Transaction()
            tx.put("customer", updated, condition=CustomerItem.revision == current.revision)
            for legacy in new:
                alias = table.alias_item(
                    table.legacy_key(legacy),
                    kind="legacy_id",
                    customer_id=current.customer_id,
                    phone=current.phone,
                    now=updated.updated_at,
                )
                tx.put(f"legacy:{legacy}", alias, condition=AliasItem.pk.does_not_exist())
            try:
                tx.commit()
                return self.to_customer(updated)
            except TransactionCancelled as cancelled:
                taken = [legacy for legacy in new if cancelled.failed(f"legacy:{legacy}")]
                if taken:
                    raise LegacyIdTaken(taken[0]) from cancelled
                contention.wait()

    # --- listing ------------------------------------------------------------------------------

    def list_customers(
        self,
        *,
        status: str | None,
        area: str | None,
        limit: int,
        cursor: str | None,
        delivery_person_id: str | None = None,
    ) -> CustomerPage:
        """One index query per page, in customer-number order; ``next_cursor`` is null on the last page.

        With ``delivery_person_id`` only that person's customers (status and area then filter the page).
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit", code="invalid_limit")
        range_condition: Condition | None = None
        filter_condition: Condition | None = None
        if delivery_person_id:
            index, hash_attr, range_attr = TableItem.by_delivery_person, "gsi4pk", "gsi4sk"
            hash_key = f"DELIVERY#{delivery_person_id}"
            if status:
                filter_condition = CustomerItem.status == status
            if area:
                area_filter = TableItem.gsi3pk == f"AREA#{table.area_index_value(area)}"
                filter_condition = area_filter if filter_condition is None else filter_condition & area_filter
        elif area:
            index, hash_attr, range_attr = TableItem.by_area, "gsi3pk", "gsi3sk"
            hash_key = f"AREA#{table.area_index_value(area)}"
            if status:
                range_condition = TableItem.gsi3sk.startswith(f"{status}#")
        elif status:
            index, hash_attr, range_attr = TableItem.by_status, "gsi2pk", "gsi2sk"
            hash_key = f"STATUS#{status}"
        else:
            index, hash_attr, range_attr = TableItem.by_number, "gsi1pk", "gsi1sk"
            hash_key = table.CUSTOMERS_PARTITION
        query_id = f"{index.Meta.index_name}|{hash_key}|{status or ''}|{area or ''}"
        key_attrs = ("pk", "sk", hash_attr, range_attr)
        start_key = decode_cursor(cursor, query_id, set(key_attrs)) if cursor else None
        results = index.query(
            hash_key,
            range_key_condition=range_condition,
            filter_condition=filter_condition,
            limit=limit + 1,
            page_size=limit + 1,
            last_evaluated_key=start_key,
        )
        items, next_cursor = page_of(results, CustomerItem, limit=limit, query_id=query_id, key_attrs=key_attrs)
        return CustomerPage(items=[self.to_customer(item) for item in items], next_cursor=next_cursor)


# --- helpers ----------------------------------------------------------------------------------


def _copy(item: CustomerItem) -> CustomerItem:
    return table.from_raw(CustomerItem, item.serialize(null_check=False))


def _ignored_fields(new: NewCustomer, email: str | None, existing: CustomerItem) -> list[str]:
    sent = {name: getattr(new, name) for name in (*_OPTIONAL_FIELDS, "status") if getattr(new, name) is not None}
    if email is not None:
        sent["email"] = email
    return sorted(name for name, value in sent.items() if getattr(existing, name) != value)
