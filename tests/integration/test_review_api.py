"""The review queue over HTTP after a real backfill of a generated export: every held row listed page by
page and attached or dismissed, concurrent resolutions of one row (exactly one wins), and afterwards
nothing open and every attached legacy id resolving to its customer."""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from devserver.process import local_server, mint_token
from tests.integration.conftest import authorized
from tests.integration.test_backfill import backfill, generate, report

pytestmark = pytest.mark.integration
THREADS = 12


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    export, data = tmp_path_factory.mktemp("export"), tmp_path_factory.mktemp("data")
    truth = generate(export, persons=60, seed=5)
    done = backfill(export, data)
    assert done.returncode == 0, done.stdout + done.stderr
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        yield {"truth": truth, "report": report(export), "admin": admin}


def every(admin: httpx.Client, status: str, **filters: str) -> list[dict[str, Any]]:
    found, cursor = [], None
    while True:
        params = {"status": status, "limit": 7, **filters, **({"cursor": cursor} if cursor else {})}
        page = admin.get("/admin/review", params=params)
        assert page.status_code == 200, page.text
        found += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found


def new_customer(admin: httpx.Client, phone: str) -> dict[str, Any]:
    answer = admin.post("/customers", json={"phone": phone})
    assert answer.status_code == 201, answer.text
    return answer.json()["customer"]


def name_conflicts(truth: dict[str, Any]) -> int:
    """Customers whose rows disagree on the name: each has one review item (reason name_conflict)."""
    return sum(any(c["field"] == "name" for c in person["conflicts"]) for person in truth["persons"])


def balance_conflicts(truth: dict[str, Any]) -> int:
    """Customers with more than one row carrying a balance: each has one review item (balance_conflict)."""
    return sum(bool(person["balance_conflict"]) for person in truth["persons"])


# Review items about a whole customer, not a held row: confirmed (dismissed) by a person.
CUSTOMER_REASONS = {"name_conflict", "balance_conflict"}


def shared_phones(truth: dict[str, Any]) -> int:
    """Phones of many names: all their rows and bookings are one review item (reason shared_phone); the
    generator writes five identity rows for each."""
    return sum(1 for h in truth["held"] if h["reason"] == "shared_phone" and h["collection"] != "bookings") // 5


def held_items(truth: dict[str, Any]) -> int:
    """The review items a backfill of ``truth``'s export holds."""
    rows = sum(1 for h in truth["held"] if h["reason"] != "shared_phone")
    return rows + shared_phones(truth) + name_conflicts(truth) + balance_conflicts(truth)


def test_every_held_row_is_listed_once_with_its_reason_and_no_secret(imported: dict[str, Any]) -> None:
    everything = every(imported["admin"], "open")
    listed = [item for item in everything if item["reason"] not in (*CUSTOMER_REASONS, "shared_phone")]
    expected = sorted(
        (h["collection"], h["line"], h["reason"]) for h in imported["truth"]["held"] if h["reason"] != "shared_phone"
    )
    assert sorted((i["collection"], i["line"], i["reason"]) for i in listed) == expected
    shared = [item for item in everything if item["reason"] == "shared_phone"]
    assert len(shared) == shared_phones(imported["truth"]) == 2
    assert len(everything) - len(listed) - len(shared) == name_conflicts(imported["truth"]) + balance_conflicts(
        imported["truth"]
    )
    assert [i["created_at"] for i in listed] == sorted(i["created_at"] for i in listed)  # oldest first
    text = str(listed)
    assert "$2b$" not in text and "source_line" not in text
    for reason in {i["reason"] for i in listed}:
        assert {i["review_id"] for i in every(imported["admin"], "open", reason=reason)} == {
            i["review_id"] for i in listed if i["reason"] == reason
        }


def test_concurrent_resolutions_of_one_row_exactly_one_wins(imported: dict[str, Any]) -> None:
    admin = imported["admin"]
    target = every(admin, "open", reason="no_valid_phone")[0]
    customer = new_customer(admin, "9000000500")
    bodies = [
        {"action": "attach", "customer": customer["customer_id"]} if i % 2 else {"action": "dismiss", "note": f"#{i}"}
        for i in range(THREADS)
    ]
    url = f"/admin/review/{quote(target['review_id'], safe='')}"
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda body: admin.post(url, json=body), bodies))
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200] + [409] * (THREADS - 1), [a.text for a in answers]
    assert {a.json()["error"]["code"] for a in answers if a.status_code == 409} == {"review_already_resolved"}
    won = next(a.json()["review"] for a in answers if a.status_code == 200)
    stored = next(i for i in every(admin, won["status"]) if i["review_id"] == target["review_id"])
    assert stored["resolution"] == won["resolution"]
    looked_up = admin.get(f"/customers/{quote(target['legacy_id'], safe='')}")
    if won["status"] == "resolved":
        assert looked_up.json()["customer"]["customer_id"] == customer["customer_id"]
    else:
        assert looked_up.status_code == 404


def test_every_held_row_can_be_attached_or_dismissed_until_nothing_is_open(imported: dict[str, Any]) -> None:
    admin = imported["admin"]
    walk_in = new_customer(admin, "9000000600")  # takes the bookings nobody could be found for
    attached: dict[str, str] = {}  # legacy id -> customer id
    spent, booked, dismissed, separated, phone = Decimal("0"), 0, 0, 0, 9000000700
    cursor = None
    while True:  # resolve page by page while paging: the cursor stays valid as items leave the queue
        page = admin.get("/admin/review", params={"limit": 9, **({"cursor": cursor} if cursor else {})}).json()
        for item in page["items"]:
            url = f"/admin/review/{quote(item['review_id'], safe='')}"
            if item["reason"] == "shared_phone":  # a phone of five names: five customers, one keeps the phone
                answer = admin.post(url, json={"action": "separate"})
                assert answer.status_code == 200, answer.text
                assert [c["phone"] is None for c in answer.json()["customers"]] == [False] + [True] * 4
                separated += 1
                continue
            if item["reason"] in {"not_json", *CUSTOMER_REASONS}:  # nothing to attach: decided, then dismissed
                answer = admin.post(url, json={"action": "dismiss", "note": "cut off, or the kept name is right"})
                assert answer.status_code == 200, answer.text
                dismissed += 1
                continue
            if item["collection"] == "bookings":
                target = walk_in["customer_id"]
            else:
                phone += 1
                target = new_customer(admin, str(phone))["customer_number"]
            answer = admin.post(url, json={"action": "attach", "customer": target})
            if answer.status_code == 409:  # its email is another customer's: that is whom the row belongs to
                error, email = answer.json()["error"], item["row"]["email"].lower()
                assert error["code"] == "email_taken" and email in error["message"], answer.text
                owner = admin.get(f"/customers/{quote(email, safe='')}")
                if owner.status_code == 404:  # a staff account's email
                    assert admin.post(url, json={"action": "dismiss"}).status_code == 200
                    dismissed += 1
                    continue
                answer = admin.post(url, json={"action": "attach", "customer": owner.json()["customer"]["customer_id"]})
            assert answer.status_code == 200, answer.text
            outcome = answer.json()
            assert outcome["review"]["status"] == "resolved" and outcome["review"]["resolution"]["action"] == "attach"
            attached[item["legacy_id"]] = outcome["customer"]["customer_id"]
            if outcome["booking"] and outcome["booking"]["status"] != "cancelled":
                spent, booked = spent + Decimal(outcome["booking"]["amount"]), booked + 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert every(admin, "open") == []
    held = held_items(imported["truth"])
    assert len(every(admin, "resolved")) + len(every(admin, "dismissed")) == held
    assert len(attached) >= held - dismissed - separated - 1  # the row the concurrency test resolved may be either
    assert separated == 2
    aliases = 0
    for legacy_id, customer_id in attached.items():
        answer = admin.get(f"/customers/{quote(legacy_id, safe='')}")
        if answer.status_code == 200 and answer.json()["resolved_from"] == "legacy_id":
            assert answer.json()["customer"]["customer_id"] == customer_id, legacy_id
            aliases += 1
        else:  # a booking's legacy id is no alias: it is the booking, now in the customer's history
            assert customer_id == walk_in["customer_id"], legacy_id
    assert aliases >= 8 and booked >= 3 and dismissed >= 1, (aliases, booked, dismissed)
    customer = admin.get(f"/customers/{walk_in['customer_id']}").json()["customer"]
    assert (customer["total_bookings"], Decimal(customer["total_spent"])) == (booked, spent)

    history = admin.get(f"/customers/{walk_in['customer_id']}/bookings", params={"limit": 100}).json()["items"]
    assert len(history) == sum(1 for legacy_id, owner in attached.items() if owner == walk_in["customer_id"])


def test_after_the_backfill_and_the_review_the_audit_shows_no_orphan(imported: dict[str, Any]) -> None:
    admin = imported["admin"]
    started = admin.post("/admin/audit/alias-checks")
    assert started.status_code == 202, started.text
    run_id = started.json()["alias_check"]["run_id"]
    for _ in range(300):
        audit = admin.get("/admin/audit").json()
        if audit["aliases"]["run_id"] == run_id and audit["aliases"]["state"] == "completed":
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the alias check did not finish: {audit['aliases']}")
    assert audit["aliases"]["markers_checked"] > 100
    assert (audit["aliases"]["dangling"], audit["aliases"]["mismatched"]) == (0, 0), audit["aliases"]
    assert audit["without_number"]["count"] == 0 and audit["review"]["open"] == 0
    stats = admin.get("/admin/stats").json()
    assert audit["customers_total"] == stats["customers"]["total"] > 60
    assert audit["cannot_sign_in"]["count"] == stats["customers"]["total"] - stats["customers"]["with_login"]
