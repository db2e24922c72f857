"""The alias check: a background scan proving that every marker names a customer that holds it.

Markers are written in the same transactions as their customers, so a marker pointing nowhere
means a bug or a hand edit; this check is how we know there is none. It is a paginated job, never
part of a request: :meth:`AliasCheck.start` records a new run and starts one worker per scan
segment (an asynchronous Lambda invocation); each worker checks pages until its time is nearly
up, then hands its segment to a fresh invocation of itself. A page is counted once (see
:mod:`..storage.audit`), so retries and overlapping workers cannot inflate the figures.

A marker is *dangling* when the customer (or staff account) it names does not exist, and
*mismatched* when it exists but no longer holds the identifier (another number, another email, a
legacy id it does not list).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from customer_identity.core.audit_models import AliasCheckState
from customer_identity.core.clock import utc_now
from customer_identity.core.errors import AliasCheckRunning
from customer_identity.storage import audit, keys
from customer_identity.storage.entities import AliasItem, CustomerItem, StaffEmailItem, StaffItem

SEGMENTS = 4
PAGE_SIZE = 500  # items read per scan page (before the marker filter)
MAX_EXAMPLES = 10
# A running check that made no progress for this long is taken as dead and may be replaced.
STALE_AFTER_SECONDS = 15 * 60
# Hand the segment to a fresh invocation when less than this is left of the current one.
HANDOVER_MARGIN_MS = 60_000

type Invoke = Callable[[dict[str, Any]], None]


class AliasCheck:
    def __init__(self, invoke_worker: Invoke) -> None:
        self.invoke_worker = invoke_worker

    def start(self, *, by: str) -> AliasCheckState:
        """Record a new run and start its workers; :class:`AliasCheckRunning` if one is going."""
        run_id = f"ac_{uuid.uuid4().hex}"
        now = time.time()
        run: dict[str, Any] = {
            "run_id": run_id,
            "state": "running",
            "started_at": utc_now(),
            "started_by": by,
            "segments": SEGMENTS,
            "segments_left": SEGMENTS,
            "checked": 0,
            "dangling": 0,
            "mismatched": 0,
            "progressed_at": Decimal(str(now)),  # DynamoDB numbers are exact: no float
        }
        run.update({keys.alias_check_cursor_attribute(segment): "" for segment in range(SEGMENTS)})
        if not audit.start_alias_check(run, unless_running_since=now - STALE_AFTER_SECONDS):
            raise AliasCheckRunning()
        for segment in range(SEGMENTS):
            self.invoke_worker({"run_id": run_id, "segment": segment})
        return self.latest()

    def latest(self) -> AliasCheckState:
        return state_view(audit.alias_check_state())

    def work(self, run_id: str, segment: int, *, remaining_ms: Callable[[], int]) -> bool:
        """Check pages of ``segment`` while time lasts; True when it must be continued by a new invocation."""
        while True:
            state = audit.alias_check_state()
            if state is None or state.get("run_id") != run_id:
                return False  # replaced by a newer run
            cursor = str(state.get(keys.alias_check_cursor_attribute(segment), audit.DONE))
            if cursor == audit.DONE:
                return False
            markers, next_cursor, _ = audit.markers_page(
                segment, int(state["segments"]), cursor or None, page_size=PAGE_SIZE
            )
            dangling, mismatched = check(markers)
            examples_attribute = keys.alias_check_examples_attribute(segment)
            examples = [*_examples(state.get(examples_attribute)), *dangling, *mismatched]
            left = audit.record_page(
                run_id=run_id,
                segment=segment,
                expected_cursor=cursor,
                next_cursor=next_cursor or audit.DONE,
                checked=len(markers),
                dangling=len(dangling),
                mismatched=len(mismatched),
                examples=examples[:MAX_EXAMPLES],
                now=time.time(),
            )
            if left == 0:
                audit.finish_alias_check(run_id, completed_at=utc_now())
            if next_cursor is None:
                return False
            if remaining_ms() < HANDOVER_MARGIN_MS:
                return True


def check(markers: list[AliasItem | StaffEmailItem]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(dangling, mismatched) among ``markers``, each as an example ``{"marker", "names", "problem"}``."""
    customer_markers = [m for m in markers if isinstance(m, AliasItem) and m.pk.startswith("CUSTOMER#")]
    other_markers = [m for m in markers if isinstance(m, AliasItem) and not m.pk.startswith("CUSTOMER#")]
    staff_markers = [m for m in markers if isinstance(m, StaffEmailItem)]
    # Where each customer named by a non-id marker lives: its authoritative customer-id marker.
    id_markers = audit.items_at(keys.customer_id_key(m.customer_id) for m in other_markers)
    homes = {m.customer_id: m.phone for m in customer_markers}
    homes.update({item.customer_id: item.phone for item in id_markers.values() if isinstance(item, AliasItem)})
    found = audit.items_at(
        [keys.customer_key(home) for home in homes.values()] + [keys.staff_key(m.account_id) for m in staff_markers]
    )
    customers = {item.customer_id: item for item in found.values() if isinstance(item, CustomerItem)}
    dangling: list[dict[str, str]] = []
    mismatched: list[dict[str, str]] = []
    for marker in [*customer_markers, *other_markers]:
        customer = customers.get(marker.customer_id)
        example = {"marker": marker.pk, "names": marker.customer_id}
        if customer is None:
            dangling.append(example | {"problem": "customer_missing"})
        elif not _holds(customer, (marker.pk, marker.sk)):
            mismatched.append(example | {"problem": "customer_does_not_hold_it"})
    for marker in staff_markers:
        staff = found.get(keys.staff_key(marker.account_id))
        example = {"marker": marker.pk, "names": marker.account_id}
        if not isinstance(staff, StaffItem):
            dangling.append(example | {"problem": "staff_account_missing"})
        elif f"EMAIL#{staff.email}" != marker.pk:
            mismatched.append(example | {"problem": "staff_account_does_not_hold_it"})
    return dangling, mismatched


def _holds(customer: CustomerItem, marker_key: keys.Key) -> bool:
    kind, identifier = keys.marker_identifier(marker_key)
    if kind == "customer_id":
        return customer.customer_id == identifier
    if kind == "customer_number":
        return customer.customer_number is not None and str(int(customer.customer_number)) == identifier
    if kind == "email":
        return customer.email == identifier
    return identifier in (customer.legacy_ids or set())


def _examples(stored: Any) -> list[dict[str, str]]:
    return list(json.loads(stored)) if isinstance(stored, str) and stored else []


def state_view(state: dict[str, Any] | None) -> AliasCheckState:
    if state is None:
        return AliasCheckState(state="never_run")
    examples = [
        example
        for segment in range(int(state.get("segments", 0)))
        for example in _examples(state.get(keys.alias_check_examples_attribute(segment)))
    ]
    return AliasCheckState(
        run_id=state["run_id"],
        state=state["state"],
        started_at=state.get("started_at"),
        started_by=state.get("started_by"),
        completed_at=state.get("completed_at"),
        markers_checked=int(state.get("checked", 0)),
        dangling=int(state.get("dangling", 0)),
        mismatched=int(state.get("mismatched", 0)),
        examples=examples[:MAX_EXAMPLES],
    )
