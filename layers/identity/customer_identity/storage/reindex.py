"""One-off: give customers written before the name indexes existed their name-index keys.

Every write derives the keys (``CustomerItem.serialize``), so this is only for rows no write has
touched since. A parallel ``Scan`` (by segment) of listed customers with a name and no ``gsi5pk``;
each is updated with the keys of its current name, conditioned on its ``revision`` being the one
read (a customer changed meanwhile got its keys from that write, and is skipped). Run it with
``python -m devserver.reindex`` (``USE_AWS=1 TABLE_NAME=…`` for a deployed table).
"""

from __future__ import annotations

from customer_identity.storage import keys, table
from customer_identity.storage.entities import CustomerItem, TableItem


def add_missing_name_keys(*, segment: int = 0, total_segments: int = 1) -> tuple[int, int]:
    """(customers given their keys, customers skipped because they changed since they were read)."""
    wanted = (
        CustomerItem.name.exists()
        & TableItem.gsi1pk.exists()  # listed: numbered and not merged away
        & TableItem.gsi5pk.does_not_exist()
    )
    updated = skipped = 0
    for item in CustomerItem.scan(filter_condition=wanted, segment=segment, total_segments=total_segments):
        found = keys.name_index_keys(item.name, keys.padded_number(int(item.customer_number)))
        if not found:
            continue
        try:
            table.client().update_item(
                TableName=table.config().name,
                Key={"pk": {"S": item.pk}, "sk": {"S": item.sk}},
                UpdateExpression="SET " + ", ".join(f"#{name} = :{name}" for name in found),
                ConditionExpression="#revision = :revision AND attribute_not_exists(#gsi5pk)",
                ExpressionAttributeNames={f"#{name}": name for name in [*found, "revision", "gsi5pk"]},
                ExpressionAttributeValues={
                    **{f":{name}": {"S": value} for name, value in found.items()},
                    ":revision": {"N": str(item.revision)},
                },
            )
            updated += 1
        except Exception as error:
            if not table.condition_failed(error):
                raise
            skipped += 1
    return updated, skipped
