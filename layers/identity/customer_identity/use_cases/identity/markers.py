"""The unique markers that name a customer: customer id, number, email, legacy ids.

Each is put with ``attribute_not_exists`` in the same transaction as the customer write, so an
identifier can never name two customers.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr

from customer_identity.storage import keys
from customer_identity.storage.entities import AliasItem, CustomerItem
from customer_identity.storage.transactions import Transaction

# Markers re-pointed when a customer's phone changes (a fixed number of them); legacy-id markers
# keep their phone as a hint and resolution falls back to the customer-id marker.
FOLLOW_PHONE = frozenset({"customer_id", "customer_number", "email"})


def marker_keys(customer: CustomerItem) -> list[tuple[str, keys.Key]]:
    """Every marker that names ``customer``, as (kind, key)."""
    found = [("customer_id", keys.customer_id_key(customer.customer_id))]
    if customer.customer_number is not None:
        found.append(("customer_number", keys.number_key(int(customer.customer_number))))
    if customer.email:
        found.append(("email", keys.email_key(customer.email)))
    found.extend(("legacy_id", keys.legacy_key(legacy)) for legacy in sorted(customer.legacy_ids or ()))
    return found


def marker(key: keys.Key, *, kind: str, customer: CustomerItem) -> AliasItem:
    return AliasItem(
        key[0],
        key[1],
        kind=kind,
        customer_id=customer.customer_id,
        phone=customer.home,
        created_at=customer.updated_at,
    )


def put_new(tx: Transaction, customer: CustomerItem, kinds: set[str], *, labels: dict[str, str] | None = None) -> None:
    """Put the markers of ``kinds`` for ``customer`` (each must not exist yet); labelled by kind."""
    for kind, key in marker_keys(customer):
        if kind in kinds:
            label = (labels or {}).get(kind, kind)
            tx.put(label, marker(key, kind=kind, customer=customer), condition=Attr("pk").not_exists())


def names_customer(customer_id: str) -> Attr:
    return Attr("customer_id").eq(customer_id)
