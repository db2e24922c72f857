"""Budgets: a count per fixed window in one item, taken one at a time by a conditional ``ADD``.

DynamoDB applies concurrent ``UpdateItem`` calls on one item one after another and checks the
condition against the value each one finds, so however many requests race, the count never
passes its limit (a refused take writes nothing). The item expires by TTL after its window.
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from customer_identity.storage import table
from customer_identity.storage.keys import Key

BUDGET_ENTITY = "budget"


def take_one(key: Key, *, limit: int, expires_at: int) -> bool:
    """Add one to the count in ``key`` if it is below ``limit``; False (nothing written) if it is not."""
    try:
        table.client().update_item(
            TableName=table.config().name,
            Key={"pk": {"S": key[0]}, "sk": {"S": key[1]}},
            UpdateExpression="ADD #count :one SET #entity = :entity, #expiration = :expiration",
            ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
            ExpressionAttributeNames={"#count": "taken", "#entity": "entity", "#expiration": "expiration"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(limit)},
                ":entity": {"S": BUDGET_ENTITY},
                ":expiration": {"N": str(expires_at)},
            },
        )
    except ClientError as error:
        if table.condition_failed(error):
            return False
        raise
    return True
