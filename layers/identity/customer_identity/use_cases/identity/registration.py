"""Find-or-create by phone, race-safe: any number of concurrent requests for one phone yield one customer.

* One customer per phone: the customer item is keyed by its phone and put with
  ``attribute_not_exists``; a loser gets the winner back (``ReturnValuesOnConditionCheckFailure``).
* Gap-free numbers: uncontended, the counter update is conditioned on the value read, in the same
  transaction that creates the customer. Contended (the counter moved since it was read), the
  request claims the phone first, then takes a number atomically for that claim, then finalizes:
  O(1) requests, and a losing racer never takes a number.
* Unique customer id, number and email: marker items put with ``attribute_not_exists``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from boto3.dynamodb.conditions import Attr
from pynamodb.exceptions import UpdateError

from customer_identity.core.clock import epoch, utc_now
from customer_identity.core.errors import CustomerNotFound, EmailTaken, InvalidReference
from customer_identity.core.models.customers import DEFAULT_STATUS, CustomerResult, NewCustomer
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import counter, keys, table
from customer_identity.storage.entities import CounterItem, CustomerItem, StaffItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import markers, profile_fields, stats
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.junk_phones import allowed_phone
from customer_identity.use_cases.identity.numbering import Numbering
from customer_identity.use_cases.identity.profile_fields import PROFILE_FIELDS
from customer_identity.use_cases.identity.resolution import CUSTOMER_ID_PREFIX, settled, survivor_of
from customer_identity.use_cases.identity.views import Views

_OPTIONAL_FIELDS = ("name", "email", "address", "area", "status")


class Registration:
    def __init__(self, settings: Settings, numbering: Numbering, views: Views) -> None:
        self.settings = settings
        self.numbering = numbering
        self.views = views

    def find_or_create(self, new: NewCustomer) -> CustomerResult:
        """The customer of ``new.phone``, created (with the next number) if there is none.

        POST never changes an existing customer: fields sent that differ are listed as ignored.
        """
        item, created = self.find_or_create_item(new)
        if created:
            return CustomerResult(created=True, customer=self.views.customer(item))
        return CustomerResult(created=False, customer=self.views.customer(item), ignored_fields=_ignored(new, item))

    def find_or_create_item(self, new: NewCustomer, *, follow_merges: bool = True) -> tuple[CustomerItem, bool]:
        """(the customer of ``new.phone``, whether this call created it).

        One request when the customer exists; two when it is created without contention. The phone
        of a customer merged away gives its survivor, unless ``follow_merges`` is False.
        """
        phone = allowed_phone(new.phone, self.settings)
        existing, current_counter = self._customer_and_counter(phone.e164)
        if existing is None:
            if new.marketing_person_id is not None:
                ensure_staff(new.marketing_person_id, role="marketing_staff", field="marketing_person_id")
            draft = self._draft(new, phone.e164, phone.raw)
            created, existing = self._create_with_counter_as_read(draft, current_counter)
            if created is None and existing is None:
                created, existing = self._create_claimed(draft, counter_exists=current_counter is not None)
            if created is not None:
                return created, True
        assert existing is not None
        found = settled(existing, self.settings, self.adopt)
        if found is None:
            raise CustomerNotFound(phone.e164)
        return (survivor_of(found, self.settings, self.adopt) if follow_merges else found), False

    def adopt(self, claim: CustomerItem) -> CustomerItem | None:
        """Finish a claim whose creator died between claiming and finalizing (at most one adopter)."""
        try:
            CustomerItem(*keys.customer_key(claim.home)).update(
                actions=[CustomerItem.pending_since.set(epoch())],
                condition=CustomerItem.pending_since == claim.pending_since,
            )
        except UpdateError as error:
            if table.condition_failed(error):
                return None  # someone else adopted (or finished) it
            raise
        return self._finalize(claim, self.numbering.number_for_claim(claim.customer_id))

    # --- the two paths ------------------------------------------------------------------------

    def _draft(self, new: NewCustomer, e164: str, raw: str) -> CustomerItem:
        now = utc_now()
        draft = CustomerItem(
            customer_id=f"{CUSTOMER_ID_PREFIX}{uuid.uuid4().hex}",
            phone=e164,
            phone_raw=raw,
            name=new.name,
            email=normalise_email(new.email),
            status=new.status or DEFAULT_STATUS,
            address=new.address,
            area=new.area,
            total_bookings=0,
            total_spent=Decimal("0"),
            created_at=now,
            updated_at=now,
            revision=1,
        )
        for name in PROFILE_FIELDS:
            profile_fields.apply(draft, name, getattr(new, name))
        return draft

    def _create_with_counter_as_read(
        self, draft: CustomerItem, current_counter: CounterItem | None
    ) -> tuple[CustomerItem | None, CustomerItem | None]:
        """(created, None), (None, existing) when the phone has a customer, or (None, None)."""
        number = int(current_counter.next_number) if current_counter else self.numbering.start
        item = draft.copy()
        item.customer_number = number
        tx = Transaction()
        tx.put("customer", item, condition=Attr("pk").not_exists())
        counter.issue_as_read(tx, current_counter, number)
        markers.put_new(tx, item, {"customer_id", "customer_number", "email"})
        stats.record(tx, (None, item))
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed("customer"):  # another request created this phone's customer first
                return None, cancelled.old_item("customer", CustomerItem) or self._customer(item.phone)
            if cancelled.failed("email"):
                raise EmailTaken() from cancelled
            return None, None
        return item, None

    def _create_claimed(
        self, draft: CustomerItem, *, counter_exists: bool
    ) -> tuple[CustomerItem | None, CustomerItem | None]:
        """The contended path: claim the phone, then take a number for the claim, then finalize.

        The claim (the customer without a number, with its id and email markers) is one
        conditional transaction, so only one request per phone gets past it; only that request
        takes a number. Requests that find a claim wait for it (:func:`settled`).
        """
        claim = draft.copy()
        claim.pending_since = epoch()

        def attempt() -> CustomerItem | None:
            tx = Transaction()
            tx.put("customer", claim, condition=Attr("pk").not_exists())
            markers.put_new(tx, claim, {"customer_id", "email"})
            stats.record(tx, (None, claim))  # a claim counts nowhere yet: adds nothing
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                if cancelled.failed("customer"):
                    existing = cancelled.old_item("customer", CustomerItem) or self._customer(claim.phone)
                    if existing is not None:
                        return existing
                if cancelled.failed("email"):
                    raise EmailTaken() from cancelled
                raise LostRace from cancelled  # a transaction conflict in flight
            return None

        existing = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        if existing is not None:
            return None, existing
        number = self.numbering.take_for_claim(claim.customer_id, counter_exists=counter_exists)
        return self._finalize(claim, number), None

    def _finalize(self, claim: CustomerItem, number: int) -> CustomerItem:
        item = claim.copy()
        assert isinstance(item, CustomerItem)
        item.customer_number = number
        item.pending_since = None

        def attempt() -> CustomerItem:
            tx = Transaction()
            tx.put(
                "customer",
                item,
                condition=markers.names_customer(claim.customer_id) & Attr("customer_number").not_exists(),
            )
            markers.put_new(tx, item, {"customer_number"})
            stats.record(tx, (claim, item))  # the customer counts from the moment it has its number
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                current = self._customer(claim.phone)
                if cancelled.failed("customer") and current is not None and not current.is_claim:
                    return current  # finalized meanwhile by a slow creator or another adopter
                if cancelled.failed("customer") or cancelled.failed("customer_number"):
                    raise
                raise LostRace from cancelled  # a transaction in flight on the same items: try again
            return item

        finalized = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        self.numbering.release(claim.customer_id)
        return finalized

    def _customer_and_counter(self, e164: str) -> tuple[CustomerItem | None, CounterItem | None]:
        found = table.batch_get([keys.phone_key(e164), keys.COUNTER_KEY])
        customer = next((item for item in found if isinstance(item, CustomerItem)), None)
        return customer, next((item for item in found if isinstance(item, CounterItem)), None)

    def _customer(self, e164: str) -> CustomerItem | None:
        return table.get(CustomerItem, keys.phone_key(e164))


def ensure_staff(account_id: str, *, role: str, field: str) -> None:
    """:class:`InvalidReference` on ``field`` unless ``account_id`` is a staff account of ``role``."""
    staff = table.get(StaffItem, keys.staff_key(account_id))
    if staff is None or staff.role != role:
        raise InvalidReference(f"{account_id!r} is not a {role.replace('_', ' ')} account id", field=field)


def _ignored(new: NewCustomer, existing: CustomerItem) -> list[str]:
    sent = {name: getattr(new, name) for name in _OPTIONAL_FIELDS if getattr(new, name) is not None}
    if "email" in sent:
        sent["email"] = normalise_email(sent["email"])
    for name in PROFILE_FIELDS:
        if getattr(new, name) is not None:
            sent[name] = profile_fields.stored(name, getattr(new, name))
    return sorted(name for name, value in sent.items() if getattr(existing, name) != value)
