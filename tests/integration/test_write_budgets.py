"""Write units per operation stay within their budgets (issue 22, docs/cost.md): measured as
``make cost`` measures them (each call through its real handler against DynamoDB Local, which
reports capacity per index), so an index entry rewritten for nothing, or a new one, fails here.

Budgets are the write units after the index projections were narrowed: the table's own items
(computed by AWS's rules: 1 per KB, x2 in a transaction) plus the index writes DynamoDB Local
reports, which it doubles inside transactions; ``single`` is the same with index writes counted
once (how AWS bills them is not documented either way: docs/cost.md shows both)."""

import json
import subprocess
import sys

import pytest

from devserver.template import PROJECT_ROOT

pytestmark = pytest.mark.integration
# operation (a prefix of its name in bench/cost.py) -> (write units, write units with index writes once)
BUDGETS = {
    "booking (POST /bookings": (8, 8),
    "booking with Idempotency-Key": (10, 10),
    "create (POST /customers": (22, 16),
    "find-or-create hit": (0, 0),
    "profile update, unlisted field": (2, 2),
    "profile update, listed field": (10, 6),
    "balance adjustment": (8, 8),
    "merge moving a balance": (46, 35),
    "refresh (POST /auth/refresh": (1, 1),
}


@pytest.fixture(scope="module")
def measured() -> dict[str, dict]:
    done = subprocess.run(
        [sys.executable, "bench/cost.py", "--reps", "1", "--json"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("operation", BUDGETS)
def test_an_operation_writes_no_more_than_its_budget(measured: dict[str, dict], operation: str) -> None:
    [name] = [name for name in measured if name.startswith(operation)]
    doubled, single = BUDGETS[operation]
    figures = measured[name]
    assert figures["wru"] <= doubled, (name, figures)
    assert figures["wru_if_index_not_doubled"] <= single, (name, figures)


def test_a_booking_and_an_unlisted_update_write_no_index_entry(measured: dict[str, dict]) -> None:
    for name, figures in measured.items():
        if name.startswith(("booking (POST /bookings", "profile update, unlisted field", "balance adjustment")):
            assert figures["index_wru"] == 0, (name, figures)
