"""One-off: give customers written before an index existed the index keys their fields give them.

Every write derives the keys (``CustomerItem.derived_keys``), so this is only for rows no write has
touched since an index was added (the name and linkage indexes). A parallel ``Scan`` (by segment)
of customers; each whose stored keys differ from its derived ones is updated, conditioned on its
``revision`` being the one read (a customer changed meanwhile got its keys from that write, and is
skipped). Run it with ``python -m devserver.reindex`` (``USE_AWS=1 TABLE_NAME=…`` for a deployed table).
"""

from __future__ import annotations

from customer_identity.storage import table
from customer_identity.storage.entities import CustomerItem


def add_missing_name_keys(*, segment: int = 0, total_segments: int = 1) -> tuple[int, int]:
    """(customers given their keys, customers skipped because they changed since they were read)."""
    updated = skipped = 0
    for item in CustomerItem.scan(segment=segment, total_segments=total_segments):
        derived = item.derived_keys()
        if all(getattr(item, name) == value for name, value in derived.items()):
            continue
        present = {name: value for name, value in derived.items() if value is not None}
        absent = [name for name, value in derived.items() if value is None]
        clauses = ["SET " + ", ".join(f"#{name} = :{name}" for name in present)] if present else []
        if absent:
            clauses.append("REMOVE " + ", ".join(f"#{name}" for name in absent))
        try:
            table.client().update_item(
                TableName=table.config().name,
                Key={"pk": {"S": item.pk}, "sk": {"S": item.sk}},
                UpdateExpression=" ".join(clauses),
                ConditionExpression="#revision = :revision",
                ExpressionAttributeNames={f"#{name}": name for name in [*derived, "revision"]},
                ExpressionAttributeValues={
                    **{f":{name}": {"S": value} for name, value in present.items()},
                    ":revision": {"N": str(item.revision)},
                },
            )
            updated += 1
        except Exception as error:
            if not table.condition_failed(error):
                raise
            skipped += 1
    return updated, skipped
