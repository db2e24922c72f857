"""OpenAPI links: which response supplies the identifiers another operation takes.

A link says, e.g., that ``POST /customers`` answers with a customer whose ``customer_id`` is the
``ref`` of ``GET /customers/{ref}``. Schemathesis's stateful phase (``make fuzz``) follows them to
build sequences (create, then read, update, book, merge, undo) instead of guessing ids that do not
exist. Targets are named by ``operationRef`` (a pointer into ``paths``), so they do not depend on
operation ids. A link is added only where its source response is documented.
"""

from __future__ import annotations

from typing import Any

# {link name: (method, path of the target, {parameter: value}, {body field: value})}: each value a
# runtime expression or a constant; body fields are merged into the body the fuzzer generates.
type Targets = dict[str, tuple[str, str, dict[str, str], dict[str, str]]]

CUSTOMER_ID = "$response.body#/customer/customer_id"
BOOKING_CUSTOMER_ID = "$response.body#/booking/customer_id"
CUSTOMER_TARGETS: Targets = {
    "GetCustomer": ("get", "/customers/{ref}", {"ref": CUSTOMER_ID}, {}),
    "UpdateCustomer": ("patch", "/customers/{ref}", {"ref": CUSTOMER_ID}, {}),
    "Book": ("post", "/bookings", {}, {"customer": "$response.body#/customer/customer_number"}),
    "ListCustomerBookings": ("get", "/customers/{ref}/bookings", {"ref": "$response.body#/customer/phone"}, {}),
    "MergeCustomer": ("post", "/admin/customers/{ref}/merge", {"ref": CUSTOMER_ID}, {}),
    "ListCustomerMerges": ("get", "/admin/merges", {"customer": CUSTOMER_ID}, {}),
}
# (method, path, statuses) of the source, and its targets.
LINKS: list[tuple[str, str, tuple[str, ...], Targets]] = [
    (
        "post",
        "/admin/backfill-runs",
        ("201",),
        {
            "GetBackfillRun": ("get", "/admin/backfill-runs/{run_id}", {"run_id": "$response.body#/run/run_id"}, {}),
            "StartBackfillRun": (
                "post",
                "/admin/backfill-runs/{run_id}/start",
                {"run_id": "$response.body#/run/run_id"},
                {},
            ),
        },
    ),
    ("post", "/customers", ("200", "201"), CUSTOMER_TARGETS),
    ("patch", "/customers/{ref}", ("200",), {"GetCustomer": CUSTOMER_TARGETS["GetCustomer"]}),
    (
        "post",
        "/bookings",
        ("201",),
        {
            "UpdateBooking": (
                "patch",
                "/bookings/{booking_id}",
                {"booking_id": "$response.body#/booking/booking_id"},
                {},
            ),
            "ListCustomerBookings": ("get", "/customers/{ref}/bookings", {"ref": BOOKING_CUSTOMER_ID}, {}),
        },
    ),
    (
        "post",
        "/admin/staff",
        ("201",),
        {
            "UpdateStaff": (
                "patch",
                "/admin/staff/{account_id}",
                {"account_id": "$response.body#/account/account_id"},
                {},
            )
        },
    ),
    (
        "post",
        "/admin/customers/{ref}/merge",
        ("200",),
        {"UndoMerge": ("post", "/admin/merges/{merge_id}/undo", {"merge_id": "$response.body#/merge/merge_id"}, {})},
    ),
]


def operation_ref(method: str, path: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def add_links(document: dict[str, Any]) -> None:
    """Add :data:`LINKS` to ``document`` in place (only between operations it has)."""
    paths = document.get("paths", {})
    for method, path, statuses, targets in LINKS:
        responses = paths.get(path, {}).get(method, {}).get("responses", {})
        for status in statuses:
            if status not in responses:
                continue
            links = {
                name: {"operationRef": operation_ref(target_method, target_path)}
                | ({"parameters": parameters} if parameters else {})
                | ({"requestBody": body} if body else {})
                for name, (target_method, target_path, parameters, body) in targets.items()
                if target_method in paths.get(target_path, {})
            }
            if links:
                responses[status]["links"] = links
