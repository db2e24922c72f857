"""Writing the staff accounts of a chunk: conditional puts, so a rerun leaves them alone.

The account and its email marker go in one transaction with the counter change; an account that
exists already (an earlier run) is left as it is; one whose email another login holds is not written
and gets the outcome ``review`` (reason ``staff_email_taken``).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.storage import keys
from customer_identity.storage.entities import StaffEmailItem, StaffItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.backfill.conditional_puts import back_off
from customer_identity.use_cases.backfill.outcomes import row_outcome
from customer_identity.use_cases.identity import stats


def write_staff(entry: dict[str, Any], *, dry_run: bool) -> dict[str, Any]:
    if dry_run:
        return row_outcome(entry, "staff", entry["account_id"])
    now = utc_now()
    staff = StaffItem(
        *keys.staff_key(entry["account_id"]),
        account_id=entry["account_id"],
        role=entry["role"],
        email=entry["email"] or f"{entry['account_id']}@staff.invalid",
        name=entry["name"],
        password_hash=entry["password_hash"],
        created_at=now,
        updated_at=now,
        revision=1,
    )
    conflicted = 0
    while True:
        tx = Transaction()
        tx.put("account", staff, condition=Attr("pk").not_exists())
        tx.put(
            "email",
            StaffEmailItem(*keys.email_key(staff.email), account_id=staff.account_id, created_at=now),
            condition=Attr("pk").not_exists(),
        )
        stats.record(tx, (None, staff))
        try:
            tx.commit()
            break
        except TransactionCancelled as cancelled:
            if cancelled.failed("account"):
                return row_outcome(entry, "staff", entry["account_id"])  # created by an earlier run
            if cancelled.failed("email"):
                return row_outcome(entry, "review", None, "staff_email_taken")
            conflicted = back_off(conflicted, cancelled)
    return row_outcome(entry, "staff", entry["account_id"])
