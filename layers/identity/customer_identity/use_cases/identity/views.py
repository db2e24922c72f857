"""Storage items as the domain models that cross the layer's boundary."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING

from customer_identity.core.models.customers import Customer
from customer_identity.core.models.households import Member
from customer_identity.core.models.phones import PhoneHolding
from customer_identity.storage.entities import BookingItem, CustomerItem
from customer_identity.use_cases.identity import profile_fields
from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers

if TYPE_CHECKING:
    from customer_identity.core.models.bookings import Booking

CENTS = Decimal("0.01")


class Views:
    def __init__(self, numbers: CustomerNumbers) -> None:
        self.numbers = numbers

    def customer(self, item: CustomerItem) -> Customer:
        return Customer(
            customer_id=item.customer_id,
            customer_number=self.numbers.format(int(item.customer_number)),
            phone=item.phone,
            phone_history=[PhoneHolding(**holding) for holding in json.loads(item.phone_history or "[]")],
            members=[Member(**member) for member in json.loads(item.members or "[]")],
            name=item.name,
            email=item.email,
            status=item.status,  # type: ignore[arg-type]
            address=item.address,
            area=item.area,
            legacy_ids=sorted(item.legacy_ids or ()),
            delivery_person_id=item.delivery_person_id,
            total_bookings=int(item.total_bookings or 0),
            total_spent=(item.total_spent or Decimal("0")).quantize(CENTS),
            balance=(item.balance or Decimal("0")).quantize(CENTS),
            previous_balance=item.previous_balance.quantize(CENTS) if item.previous_balance is not None else None,
            **profile_fields.answered(item),
            created_at=item.created_at,
            updated_at=item.updated_at,
        )

    def booking(self, item: BookingItem, customer_number: int | None) -> Booking:
        # Imported here: most functions view customers only and never build the booking models.
        from customer_identity.core.models.bookings import Booking

        return Booking(
            booking_id=item.booking_id,
            customer_id=item.customer_id,
            customer_number=self.numbers.format(int(customer_number or 0)),
            service=item.service,
            amount=item.amount.quantize(CENTS),
            status=item.status,  # type: ignore[arg-type]
            scheduled_for=item.scheduled_for,
            notes=item.notes,
            member_id=item.member_id,
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
