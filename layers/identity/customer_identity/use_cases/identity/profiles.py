"""Changing a customer: profile fields, status, assignment, phone (id and number stay), legacy ids."""

from __future__ import annotations

from collections.abc import Callable

from boto3.dynamodb.conditions import Attr

from customer_identity.core.errors import InvalidInput, LegacyIdTaken
from customer_identity.core.models.customers import Customer, CustomerChanges
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import keys
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import (
    customer_writes,
    households,
    markers,
    phone_release,
    profile_fields,
    stats,
)
from customer_identity.use_cases.identity.emails import normalise_email
from customer_identity.use_cases.identity.junk_phones import allowed_phone
from customer_identity.use_cases.identity.profile_fields import PROFILE_FIELDS
from customer_identity.use_cases.identity.resolution import CUSTOMER_ID_PREFIX, MAX_REF_LENGTH, Resolver
from customer_identity.use_cases.identity.views import Views

# One transaction holds at most 100 writes: the customer and up to this many new markers.
MAX_LEGACY_IDS_PER_CALL = 90


class Profiles:
    def __init__(
        self,
        settings: Settings,
        resolver: Resolver,
        views: Views,
        *,
        on_login_change: Callable[[str, str], object] | None = None,
    ) -> None:
        self.settings = settings
        self.resolver = resolver
        self.views = views
        # Called with (customer id, "phone_changed" or "email_changed") after such a change is written.
        self.on_login_change = on_login_change

    def update(
        self, ref: str, changes: CustomerChanges, *, authorize: Callable[[Customer], None] | None = None
    ) -> Customer:
        """Apply ``changes`` to the customer ``ref`` names. A phone change keeps id and number, and
        clears the proof of the phone (until its owner signs in with a code sent to the new one).

        ``authorize`` sees the customer first and raises if the caller may not make these changes.
        """
        given = changes.model_fields_set
        for required in ("phone", "status"):
            if required in given and getattr(changes, required) is None:
                raise InvalidInput(f"{required} cannot be removed", field=required, code=f"invalid_{required}")
        new_phone = allowed_phone(changes.phone, self.settings) if changes.phone is not None else None

        def attempt() -> Customer:
            current = self.resolver.resolve(ref).item
            if authorize is not None:
                authorize(self.views.customer(current))
            updated = customer_writes.next_revision(current)
            for name in given:
                value = getattr(changes, name)
                if name == "phone":
                    assert new_phone is not None
                    if new_phone.e164 != current.phone:
                        updated.phone, updated.phone_raw = new_phone.e164, new_phone.raw
                        updated.phone_verified_at = None  # a proof of the old phone says nothing of this one
                elif name == "email":
                    updated.email = normalise_email(value)
                elif name == "members":
                    updated.members = households.stored(changes.members, current)
                elif name in PROFILE_FIELDS:
                    profile_fields.apply(updated, name, value)
                else:
                    setattr(updated, name, value)
            if all(getattr(updated, name) == getattr(current, name) for name in (*given, "phone_raw")):
                return self.views.customer(current)
            updated.last_activity_at = updated.updated_at  # an edit is activity (the recycling guard's clock)
            also = []
            if updated.phone != current.phone:
                updated.phone_since = updated.updated_at
                if current.phone is not None:  # the old phone's holding goes to its history
                    also.append(phone_release.record_holding(current, updated, reason="changed", by=None))
            customer_writes.replace(current, updated, also=also)
            changed.clear()
            changed.extend(name for name in ("phone", "email") if getattr(updated, name) != getattr(current, name))
            return self.views.customer(updated)

        changed: list[str] = []
        customer = retry_lost_races(attempt, self.settings.contention_budget_seconds)
        if changed and self.on_login_change is not None:
            self.on_login_change(customer.customer_id, f"{changed[0]}_changed")
        return customer

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

        def attempt() -> Customer:
            current = self.resolver.resolve(ref).item
            new = [legacy for legacy in wanted if legacy not in (current.legacy_ids or set())]
            if not new:
                return self.views.customer(current)
            updated = customer_writes.next_revision(current)
            updated.legacy_ids = set(current.legacy_ids or ()) | set(new)
            tx = Transaction()
            tx.put("customer", updated, condition=Attr("revision").eq(current.revision))
            for legacy in new:
                marker = markers.marker(keys.legacy_key(legacy), kind="legacy_id", customer=updated)
                tx.put(f"legacy:{legacy}", marker, condition=Attr("pk").not_exists())
            stats.record(tx, (current, updated))  # legacy ids count nowhere: adds nothing today
            try:
                tx.commit()
            except TransactionCancelled as cancelled:
                taken = [legacy for legacy in new if cancelled.failed(f"legacy:{legacy}")]
                if taken:
                    raise LegacyIdTaken(taken[0]) from cancelled
                raise LostRace from cancelled
            return self.views.customer(updated)

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)
