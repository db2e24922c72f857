"""Resolving a held row: attach it to a customer exactly as the backfill would have, or dismiss it.

Each resolution is one transaction: the review item leaves ``open`` (condition: still open, so of two
concurrent resolutions exactly one wins and the other gets 409), records who, when and what, and
drops the original line it kept for attaching; the customer changes with it, and the dashboard
counters move by the difference (:func:`customer_identity.use_cases.identity.stats.record`).

The row is read by the backfill's own parser (:mod:`.backfill.records`) from the original line, and
applied with the backfill's rules for a customer that already exists (``linked``):

* an identity row (profile, OTP or booking-side user, per-booking customer row, login row): its
  legacy id becomes an alias (``LEGACY#`` marker naming the customer, and in ``legacy_ids``), the
  fields the customer lacks are filled, a login row's legacy password hash becomes the customer's
  password if it has none, and the row's email its email if it has none (409 ``email_taken`` naming
  it if another account has it). Values the customer already has differently are kept and listed in
  ``ignored_fields``;
* a booking row: the booking (id derived from its legacy id, as the backfill derives it) moves onto
  the customer and, unless cancelled, its totals change in the same transaction.

Rows with nothing to attach (not JSON, no id, an invalid amount, an unknown role) can only be dismissed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import (
    BookingExists,
    CustomerNotFound,
    EmailTaken,
    InvalidInput,
    InvalidReference,
    LegacyIdTaken,
    ReviewAlreadyResolved,
    ReviewNotAttachable,
)
from customer_identity.core.models.review import ReviewDecision, ReviewOutcome
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, table
from customer_identity.storage.entities import BookingRefItem, CustomerItem, ReviewItem, StaffItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.admin import price_conflicts, review_queue, shared_phone_decisions
from customer_identity.use_cases.backfill import name_conflicts, opening_balances, shared_phones
from customer_identity.use_cases.backfill.extjson import NotJson, parse_line
from customer_identity.use_cases.backfill.held_rows import REMOVED
from customer_identity.use_cases.backfill.linking import fillable, same_value
from customer_identity.use_cases.backfill.new_customers import booking_item
from customer_identity.use_cases.backfill.planning import iso_time, staff_id_for
from customer_identity.use_cases.backfill.records import Booking, Identity, Record, Unreadable, read_row
from customer_identity.use_cases.identity import customer_writes, markers, stats
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views
from customer_identity.use_cases.sign_in import recycling


class ReviewDecisions:
    def __init__(self, settings: Settings, resolver: Resolver, views: Views) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views

    def resolve(self, review_id: str, decision: ReviewDecision, *, by: str) -> ReviewOutcome:
        """Attach or dismiss the held row ``review_id`` as the admin ``by``; 409 if it is not open."""
        if decision.action == "attach" and decision.customer is None:
            raise InvalidInput("customer is required to attach a row", field="customer", code="missing_field")
        if decision.action != "attach" and decision.customer is not None:
            raise InvalidInput("customer is only for attach", field="customer", code="invalid_customer")
        if decision.keeper is not None and decision.action not in ("household", "separate"):
            raise InvalidInput("keeper is only for household or separate", field="keeper", code="invalid_keeper")

        def attempt() -> ReviewOutcome:
            item = review_queue.load(review_id)
            if item.status != "open":
                raise ReviewAlreadyResolved(review_id, item.status)
            shared = item.reason == shared_phones.REASON
            if decision.action in ("household", "separate") or (shared and decision.action == "attach"):
                if not shared:
                    message = f"{decision.action} resolves a shared_phone item only"
                    raise InvalidInput(message, field="action", code="invalid_action")
                if decision.action == "attach":
                    raise ReviewNotAttachable(item.review_id, "a shared phone; resolve it as household or separate")
                return shared_phone_decisions.decide(item, decision, by=by, settings=self.settings, views=self.views)
            if decision.action == "dismiss":
                return self._dismiss(item, decision, by)
            return self._attach(item, decision, by)

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    # --- dismiss ----------------------------------------------------------------------------------

    def _dismiss(self, item: ReviewItem, decision: ReviewDecision, by: str) -> ReviewOutcome:
        after = _resolved(item, "dismiss", by=by, customer_id=None, note=decision.note)
        tx = Transaction()
        tx.put("review", after, condition=Attr("status").eq("open"))
        stats.record(tx, (item, after))
        _commit(tx, item, {})
        return ReviewOutcome(review=review_queue.entry(after), customer=None, booking=None, ignored_fields=[])

    # --- attach -----------------------------------------------------------------------------------

    def _attach(self, item: ReviewItem, decision: ReviewDecision, by: str) -> ReviewOutcome:
        if item.reason == name_conflicts.REASON:  # its rows are the customer's already: decide the name, dismiss
            raise ReviewNotAttachable(item.review_id, "a name conflict; PATCH the customer's name if needed")
        if item.reason == opening_balances.REASON:  # its entries are posted: confirm, adjust if needed, dismiss
            raise ReviewNotAttachable(item.review_id, "a balance conflict; post an adjustment if needed")
        if item.reason == price_conflicts.REASON:  # the survivor kept its prices: PATCH them if needed, dismiss
            raise ReviewNotAttachable(item.review_id, "a price conflict; PATCH the survivor's prices if needed")
        if item.reason == recycling.REVIEW_REASON:  # told, not decided: the phone went to someone new
            raise ReviewNotAttachable(item.review_id, "a recycled phone; dismiss it once the business knows")
        ref = decision.customer or ""
        try:
            customer = self.resolver.resolve(ref).item
        except CustomerNotFound as error:
            raise InvalidReference(f"no customer matches {ref!r}", field="customer") from error
        record = self._record(item, customer.customer_id)
        after = _resolved(item, "attach", by=by, customer_id=customer.customer_id, note=decision.note)
        if isinstance(record, Booking):
            return self._attach_booking(item, after, record, customer)
        if isinstance(record, Identity):
            return self._attach_identity(item, after, record, customer)
        reason = record.reason if isinstance(record, Unreadable) else "a staff account"
        raise ReviewNotAttachable(item.review_id, reason)

    def _record(self, item: ReviewItem, customer_id: str) -> Record:
        """The held row read as the backfill reads it (the original line, secrets included)."""
        try:
            row = parse_line(item.source_line or item.row)
        except NotJson as error:
            raise ReviewNotAttachable(item.review_id, "not_json") from error
        if item.source_line is None:  # held before lines were kept: a removed secret is no value
            row = {name: value for name, value in row.items() if value != REMOVED}
        if item.collection == "bookings" and not str(row.get("customer_id") or "").strip():
            row["customer_id"] = customer_id  # a booking that named no one: the admin names its customer
        return read_row(item.collection, int(item.line), row, self.settings.default_region)

    def _attach_identity(
        self, item: ReviewItem, after: ReviewItem, record: Identity, customer: CustomerItem
    ) -> ReviewOutcome:
        legacy_id = record.legacy_id or ""
        updated = customer_writes.next_revision(customer)
        updated.legacy_ids = set(customer.legacy_ids or ()) | {legacy_id}
        ignored: list[str] = []
        fields: dict[str, Any] = dict(record.fields)
        delivery_person = _delivery_person(fields.pop("delivery_person", None))
        if delivery_person is not None:
            fields["delivery_person_id"] = delivery_person
        elif "delivery_person" in record.fields:
            ignored.append("delivery_person")  # names no imported delivery person, as in the backfill
        for name, value in fillable({"fields": fields, "password_hash": record.password_hash}).items():
            existing = getattr(customer, name)
            if existing is None:
                setattr(updated, name, value)
                if name == "password_hash":
                    updated.password_changed_at = updated.updated_at
            elif not same_value(existing, value):
                ignored.append("password" if name == "password_hash" else name)
        if record.email and record.email != customer.email:
            if customer.email is None:
                updated.email = record.email
            else:
                ignored.append("email")
        tx = Transaction()
        tx.put("review", after, condition=Attr("status").eq("open"))
        tx.put("customer", updated, condition=Attr("revision").eq(customer.revision))
        legacy_marker = markers.marker(keys.legacy_key(legacy_id), kind="legacy_id", customer=updated)
        tx.put(
            "legacy_id", legacy_marker, condition=Attr("pk").not_exists() | markers.names_customer(customer.customer_id)
        )
        if updated.email != customer.email:
            markers.put_new(tx, updated, {"email"})
        if updated.delivery_person_id != customer.delivery_person_id:
            tx.check(
                "delivery_person",
                keys.staff_key(updated.delivery_person_id or ""),
                condition=Attr("role").eq("delivery_person") & Attr("deactivated_at").not_exists(),
            )
        stats.record(tx, (item, after), (customer, updated))
        _commit(
            tx,
            item,
            {"legacy_id": LegacyIdTaken(legacy_id), "email": EmailTaken(updated.email)},
        )
        return ReviewOutcome(
            review=review_queue.entry(after),
            customer=self.views.customer(updated),
            booking=None,
            ignored_fields=sorted(set(ignored)),
        )

    def _attach_booking(
        self, item: ReviewItem, after: ReviewItem, record: Booking, customer: CustomerItem
    ) -> ReviewOutcome:
        planned = {
            "id": record.legacy_id,
            "time": iso_time(record.time) if record.time else None,
            "service": record.service,
            "amount": str(record.amount),
            "status": record.status,
        }
        booking = booking_item({"customer_id": customer.customer_id, "created_at": customer.created_at}, planned)
        updated = customer_writes.next_revision(customer)
        if booking.status != "cancelled":
            updated.total_bookings = int(customer.total_bookings or 0) + 1
            updated.total_spent = (customer.total_spent or Decimal("0")) + booking.amount
        tx = Transaction()
        tx.put("review", after, condition=Attr("status").eq("open"))
        tx.put("booking", booking, condition=Attr("pk").not_exists())
        ref = BookingRefItem(
            *keys.booking_ref_key(booking.booking_id), customer_id=customer.customer_id, booking_sk=booking.sk
        )
        tx.put("booking_ref", ref, condition=Attr("pk").not_exists())
        tx.put("customer", updated, condition=Attr("revision").eq(customer.revision))
        stats.record(tx, (item, after), (customer, updated), (None, booking))
        exists = BookingExists(record.legacy_id or "", booking.booking_id)
        _commit(tx, item, {"booking": exists, "booking_ref": exists})
        return ReviewOutcome(
            review=review_queue.entry(after),
            customer=self.views.customer(updated),
            booking=self.views.booking(booking, updated.customer_number),
            ignored_fields=[],
        )


def _resolved(item: ReviewItem, action: str, *, by: str, customer_id: str | None, note: str | None) -> ReviewItem:
    after = item.copy()
    assert isinstance(after, ReviewItem)
    after.status = "resolved" if action == "attach" else "dismissed"
    after.action, after.customer_id, after.note = action, customer_id, note
    after.resolved_by, after.resolved_at = by, utc_now()
    after.source_line = None  # the kept secret has served its purpose
    return after


def _delivery_person(legacy_id: Any) -> str | None:
    """The imported delivery person a legacy ``delivery_boy_id`` names (as the backfill maps it), if any."""
    if not isinstance(legacy_id, str):
        return None
    staff = table.get(StaffItem, keys.staff_key(staff_id_for(legacy_id)))
    if staff is None or staff.role != "delivery_person" or not staff.active:
        return None
    return staff.account_id


def _commit(tx: Transaction, item: ReviewItem, refusals: dict[str, Exception]) -> None:
    """Commit ``tx``; a resolution that lost to another is 409, a taken identifier its own error,
    anything else (the customer changed, a conflict in flight) is decided again."""
    try:
        tx.commit()
    except TransactionCancelled as cancelled:
        if cancelled.failed("review"):
            now = cancelled.old_item("review", ReviewItem)
            raise ReviewAlreadyResolved(item.review_id, now.status if now else "gone") from cancelled
        for label, refusal in refusals.items():
            if cancelled.failed(label):
                raise refusal from cancelled
        raise LostRace from cancelled
