"""Who may do what. Every rule is here; handlers call these after resolving what was asked for.

* ``admin``: everything.
* ``customer``: itself only (its profile, its bookings, cancelling its scheduled bookings, its
  balance and ledger).
* ``delivery_person``: the customers assigned to them (``delivery_person_id``), their bookings,
  and completing or cancelling those bookings.
* ``marketing_staff``: find-or-create customers (who get them as ``marketing_person_id``; no money
  fields, no other marketing person), list and read the customers they signed up.
* ``supplier``: their own account only (``/me``) until a feature needs more.

What each role sees of a customer is cut in :mod:`customer_identity.use_cases.identity.role_views`:
delivery persons and marketing staff never see money (balance, prices, totals).

Asking about a customer you may not see answers 404, exactly as for a customer that does not
exist, so existence never leaks; a route your role may never use answers 403, decided from the
role alone before anything is looked up (``may_*`` below, called by the handlers first), so that
answer does not depend on what exists either.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_identity.core.errors import BookingNotFound, CustomerNotFound, Forbidden
from customer_identity.core.models.customers import Customer, NewCustomer
from customer_identity.use_cases.sign_in.tokens import Principal

# Profile fields a customer may change on itself (phone needs OTP on the new number, email and
# password go through PUT /me/credentials, status and assignment are the business's).
CUSTOMER_EDITABLE_FIELDS = frozenset({"name", "address", "area", "members"})
CUSTOMER_READERS = frozenset({"admin", "customer", "delivery_person"})
# GET /customers/{ref}: also a marketing person, for the customers they signed up.
CUSTOMER_VIEWERS = CUSTOMER_READERS | {"marketing_staff"}
CUSTOMER_CREATORS = frozenset({"admin", "marketing_staff"})
# What a marketing person may not set when signing a customer up (money, and whose customer it is).
MARKETING_FORBIDDEN_FIELDS = ("custom_product_prices", "marketing_person_name")
CUSTOMER_UPDATERS = frozenset({"admin", "customer"})
BOOKING_CHANGERS = frozenset({"admin", "customer", "delivery_person"})
# Who may read a balance and its ledger: admins (any customer) and the customer itself.
MONEY_READERS = frozenset({"admin", "customer"})


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("only admins may do this")


def require_customer(principal: Principal) -> str:
    """The caller's own customer id; :class:`Forbidden` for staff."""
    if principal.role != "customer" or not principal.customer_id:
        raise Forbidden("only a customer may do this, for itself")
    return principal.customer_id


def require_any(principal: Principal, roles: frozenset[str]) -> None:
    if principal.role not in roles:
        raise Forbidden()


def may_read_customers(principal: Principal) -> None:
    """Before looking a customer up: may this role read any customer at all?"""
    require_any(principal, CUSTOMER_READERS)


def may_view_customers(principal: Principal) -> None:
    """Before looking a customer up for ``GET /customers/{ref}``: may this role see any customer at all?"""
    require_any(principal, CUSTOMER_VIEWERS)


def may_create_customers(principal: Principal) -> None:
    if principal.role not in CUSTOMER_CREATORS:
        raise Forbidden("only admins and marketing staff may create customers")


def signed_up_by(principal: Principal, body: NewCustomer) -> NewCustomer:
    """The body a find-or-create runs with: a marketing person's customers are theirs
    (``marketing_person_id``), and money fields are not theirs to set (403 naming the field)."""
    may_create_customers(principal)
    if principal.is_admin:
        return body
    for name in MARKETING_FORBIDDEN_FIELDS:
        if name in body.model_fields_set:
            raise Forbidden("marketing staff may not set this field", field=name)
    if "marketing_person_id" in body.model_fields_set and body.marketing_person_id != principal.account_id:
        raise Forbidden("marketing staff sign customers up as themselves", field="marketing_person_id")
    return body.model_copy(update={"marketing_person_id": principal.account_id})


def may_see_money(principal: Principal) -> None:
    """Before looking a customer up: may this role read balances and ledgers at all?"""
    require_any(principal, MONEY_READERS)


def ensure_can_see_money(principal: Principal, customer: Customer, ref: str) -> None:
    if principal.is_admin:
        return
    if customer.customer_id != principal.customer_id:
        raise CustomerNotFound(ref)


def may_update_customers(principal: Principal) -> None:
    """Before looking a customer up: may this role change any customer at all?"""
    if principal.role not in CUSTOMER_UPDATERS:
        raise Forbidden("only admins and the customer itself may change a customer")


def may_change_bookings(principal: Principal) -> None:
    """Before looking a booking up: may this role change any booking at all?"""
    require_any(principal, BOOKING_CHANGERS)


def may_see(principal: Principal, customer: Customer) -> bool:
    if principal.is_admin:
        return True
    if principal.role == "customer":
        return customer.customer_id == principal.customer_id
    if principal.role == "delivery_person":
        return customer.delivery_person_id == principal.account_id
    if principal.role == "marketing_staff":
        return customer.marketing_person_id == principal.account_id
    return False


def ensure_can_view(principal: Principal, customer: Customer, ref: str) -> None:
    require_any(principal, CUSTOMER_VIEWERS)
    if not may_see(principal, customer):
        raise CustomerNotFound(ref)


def ensure_can_read(principal: Principal, customer: Customer, ref: str) -> None:
    require_any(principal, CUSTOMER_READERS)
    if not may_see(principal, customer):
        raise CustomerNotFound(ref)


def ensure_can_update(principal: Principal, customer: Customer, ref: str, fields: set[str]) -> None:
    if principal.is_admin:
        return
    may_update_customers(principal)
    if customer.customer_id != principal.customer_id:
        raise CustomerNotFound(ref)
    forbidden = sorted(fields - CUSTOMER_EDITABLE_FIELDS)
    if forbidden:
        raise Forbidden(f"customers may change only {', '.join(sorted(CUSTOMER_EDITABLE_FIELDS))}", field=forbidden[0])


def ensure_can_book(principal: Principal) -> None:
    require_any(principal, frozenset({"admin", "customer"}))


def ensure_can_change_booking(principal: Principal, customer: Customer, booking_id: str, status: str) -> None:
    if principal.is_admin:
        return
    may_change_bookings(principal)
    if not may_see(principal, customer):
        raise BookingNotFound(booking_id)
    if principal.role == "customer" and status != "cancelled":
        raise Forbidden("customers may only cancel their bookings", field="status")


@dataclass(frozen=True)
class ListScope:
    """Whose customers a listing may show: every customer (admins), a delivery person's, or the
    customers a marketing person signed up."""

    delivery_person_id: str | None = None
    marketing_person_id: str | None = None

    def filters(self) -> dict[str, str | None]:
        return {"delivery_person_id": self.delivery_person_id, "marketing_person_id": self.marketing_person_id}


def list_scope(principal: Principal, delivery_person_id: str | None = None) -> ListScope:
    """``delivery_person_id``: an admin's filter (one delivery person's customers); a delivery person
    may name only themselves, a marketing person nobody (403 naming the field)."""
    if principal.is_admin:
        return ListScope(delivery_person_id=delivery_person_id)
    if delivery_person_id is not None and delivery_person_id != principal.account_id:
        raise Forbidden("only admins filter by delivery person", field="delivery_person_id")
    if principal.role == "delivery_person":
        return ListScope(delivery_person_id=principal.account_id)
    if principal.role == "marketing_staff" and delivery_person_id is None:
        return ListScope(marketing_person_id=principal.account_id)
    raise Forbidden("only admins, delivery persons and marketing staff list customers")
