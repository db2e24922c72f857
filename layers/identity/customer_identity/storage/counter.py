"""The customer-number counter item (``COUNTER#customer_number``) and its atomic operations.

Besides ``next_number`` and ``last_issued`` the counter records, for each number taken on the
contended path, which claim it was taken for (``reserved#<customer_id>``) until that claim is
finalized, so a create that dies between taking and finalizing loses no number: whoever finishes
the claim finds its number here.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr
from pynamodb.exceptions import PutError

from customer_identity.core.errors import NextNumberTooLow
from customer_identity.storage import keys, table
from customer_identity.storage.entities import CounterItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled


def read() -> CounterItem | None:
    return table.get(CounterItem, keys.COUNTER_KEY)


def create(next_number: int) -> bool:
    """Create the counter with ``next_number`` unless it exists; True if this call created it."""
    try:
        CounterItem(*keys.COUNTER_KEY, next_number=next_number).save(condition=CounterItem.pk.does_not_exist())
    except PutError as error:
        if not table.condition_failed(error):
            raise
        return False
    return True


def issue_as_read(tx: Transaction, counter: CounterItem | None, number: int, count: int = 1) -> None:
    """Add to ``tx`` the issue of ``count`` numbers from ``number`` on, valid only if the counter still
    stands where it was read."""
    last = number + count - 1
    if counter is None:
        fresh = CounterItem(*keys.COUNTER_KEY, next_number=last + 1, last_issued=last)
        tx.put("counter", fresh, condition=Attr("pk").not_exists())
    else:
        tx.update(
            "counter",
            keys.COUNTER_KEY,
            set_values={"next_number": last + 1, "last_issued": last},
            condition=Attr("next_number").eq(number),
        )


def take_for(customer_id: str) -> int:
    """Issue the next number to the claim ``customer_id`` atomically (one request, never contended away)."""
    response = table.client().update_item(
        TableName=table.config().name,
        Key={"pk": {"S": keys.COUNTER_KEY[0]}, "sk": {"S": keys.COUNTER_KEY[1]}},
        # Right-hand sides read the item as it was before this update.
        UpdateExpression="SET next_number = next_number + :one, last_issued = next_number, #reserved = next_number",
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeNames={"#reserved": keys.reservation_attribute(customer_id)},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["last_issued"]["N"])


def reserved_for(customer_id: str) -> int | None:
    """The number taken for the claim ``customer_id`` and not yet released, if any."""
    name = keys.reservation_attribute(customer_id)
    response = table.client().get_item(
        TableName=table.config().name,
        Key={"pk": {"S": keys.COUNTER_KEY[0]}, "sk": {"S": keys.COUNTER_KEY[1]}},
        ProjectionExpression="#reserved",
        ExpressionAttributeNames={"#reserved": name},
        ConsistentRead=True,
    )
    value = response.get("Item", {}).get(name)
    return int(value["N"]) if value else None


def release(customer_id: str) -> None:
    """Forget the reservation of a finalized claim."""
    table.client().update_item(
        TableName=table.config().name,
        Key={"pk": {"S": keys.COUNTER_KEY[0]}, "sk": {"S": keys.COUNTER_KEY[1]}},
        UpdateExpression="REMOVE #reserved",
        ExpressionAttributeNames={"#reserved": keys.reservation_attribute(customer_id)},
    )


def set_next(next_number: int) -> bool:
    """Make ``next_number`` the next number; False when there is no counter yet.

    Refused (:class:`NextNumberTooLow`) unless it is above every number issued.
    """
    tx = Transaction()
    tx.update(
        "counter",
        keys.COUNTER_KEY,
        set_values={"next_number": next_number},
        condition=Attr("pk").exists() & (Attr("last_issued").not_exists() | Attr("last_issued").lt(next_number)),
    )
    try:
        tx.commit()
    except TransactionCancelled as cancelled:
        counter = cancelled.old_item("counter", CounterItem)
        if counter is None:
            return False
        raise NextNumberTooLow(next_number, int(counter.last_issued)) from cancelled
    return True
