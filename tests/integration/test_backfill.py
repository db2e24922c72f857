"""The backfill end to end: a generated messy export through the real state machine definition (moto's
interpreter, the project's task handlers), into the local DynamoDB, checked through the API against the
export's ground truth; then a rerun, a dry run, and a run killed midway and started again."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from devserver.process import local_server, mint_token
from devserver.template import PROJECT_ROOT
from tests.integration.conftest import authorized
from tests.stats_oracle import assert_stats_match_scan, local_table

pytestmark = pytest.mark.integration
PERSONS = 240


def generate(folder: Path, persons: int = PERSONS, seed: int = 11) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "-m", "devserver.legacy_export", str(folder), "--persons", str(persons), "--seed", str(seed)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    return json.loads((folder / "truth.json").read_text())


def backfill(source: Path, data: Path, *extra: str, fail_after: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCAL_DATA_DIR": str(data)}
    env.pop("DYNAMODB_ENDPOINT", None)
    if fail_after is not None:
        env["BACKFILL_FAIL_AFTER_PERSONS"] = str(fail_after)
    command = [sys.executable, "-m", "devserver.backfill", "run", str(source), *extra]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900)


def report(source: Path) -> dict[str, Any]:
    return json.loads((source / "backfill-report.json").read_text())


def rows(source: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (source / "backfill-rows.jsonl").read_text().splitlines()]


def customers(client: httpx.Client) -> list[dict[str, Any]]:
    """Every customer, in number order, without the time of the last write."""
    found, cursor = [], None
    while True:
        page = client.get("/customers", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        found += [{k: v for k, v in c.items() if k != "updated_at"} for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    export, data = tmp_path_factory.mktemp("export"), tmp_path_factory.mktemp("data")
    truth = generate(export)
    done = backfill(export, data)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"export": export, "data": data, "truth": truth, "first": report(export), "rows": rows(export)}


def test_every_input_line_is_in_the_rows_file_with_the_outcome_the_truth_expects(imported: dict[str, Any]) -> None:
    truth, reported = imported["truth"], imported["rows"]
    assert len(reported) == imported["first"]["rows_total"] == truth["counts"]["rows_total"]
    by_file: dict[str, list[str]] = {}
    for row in reported:
        by_file.setdefault(row["collection"], []).append(row["outcome"])
        assert row["line"] == len(by_file[row["collection"]])  # one line each, in file order
    assert by_file == truth["rows"]
    held = sorted((r["collection"], r["line"], r["reason"]) for r in reported if r["outcome"] == "review")
    assert held == sorted((h["collection"], h["line"], h["reason"]) for h in truth["held"])
    assert imported["first"]["customers_created"] == len(truth["persons"])


def test_the_api_shows_every_person_with_its_number_profile_totals_and_aliases(imported: dict[str, Any]) -> None:
    data = imported["data"]
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        for person in imported["truth"]["persons"]:
            answer = admin.get(f"/customers/{quote(person['phone'], safe='')}")
            assert answer.status_code == 200, person["phone"]
            customer = answer.json()["customer"]
            assert customer["customer_number"] == f"PL{person['expected_number']}"
            assert (customer["name"], customer["email"]) == (person["name"], person["email"])
            assert customer["total_bookings"] == person["bookings"]
            assert Decimal(customer["total_spent"]) == Decimal(person["total_spent"])
            profile = person["profile"]
            assert (customer["address"], customer["area"]) == (profile["address"], profile["area"])
            assert customer["status"] == (profile["status"] or "active")
            if profile["previous_balance"] is not None:
                assert Decimal(customer["previous_balance"]) == Decimal(profile["previous_balance"])
            for legacy in person["legacy_ids"]:
                via_alias = admin.get(f"/customers/{quote(legacy['id'], safe='')}").json()
                assert via_alias["customer"]["customer_id"] == customer["customer_id"], legacy
            history = admin.get(f"/customers/{customer['customer_id']}/bookings", params={"limit": 100}).json()
            assert len(history["items"]) == len(person["booking_ids"])
        assert admin.post("/customers", json={"phone": "9000000000"}).json()["customer"]["customer_number"] == (
            f"PL{len(imported['truth']['persons']) + 1}"
        )  # the API continues after the backfill's numbers, no gap, no reuse


def staff_by_email(client: httpx.Client) -> dict[str, str]:
    found, cursor = {}, None
    while True:
        page = client.get("/admin/staff", params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        found |= {account["email"]: account["account_id"] for account in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_the_operational_fields_of_every_person_read_back_through_the_api(imported: dict[str, Any]) -> None:
    data, truth = imported["data"], imported["truth"]
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        accounts = staff_by_email(admin)
        account_of = {s["legacy_id"]: accounts[s["email"]] for s in truth["staff"]}
        seen: dict[str, int] = {}
        for person in truth["persons"]:
            customer = admin.get(f"/customers/{quote(person['phone'], safe='')}").json()["customer"]
            profile = person["profile"]
            expected = {
                "map_link": profile["map_link"],
                "house_image_url": profile["house_image_url"],
                "location": profile["location"],
                "trial_start_date": profile["trial_start_date"],
                "marketing_person_id": account_of.get(profile["marketing_person"]),
                "marketing_person_name": profile["marketing_person_name"],
                "notes": profile["notes"],
                "delivery_person_id": account_of.get(profile["delivery_person"]),
            }
            assert {name: customer[name] for name in expected} == expected, person["phone"]
            prices = {product: Decimal(price) for product, price in (profile["custom_product_prices"] or {}).items()}
            assert {product: Decimal(price) for product, price in customer["custom_product_prices"].items()} == prices
            for name, value in expected.items():
                seen[name] = seen.get(name, 0) + (value is not None)
        assert all(seen.values()), seen  # the export exercises every field


def test_imported_balances_open_each_ledger_one_entry_per_row_and_conflicts_wait_for_review(
    imported: dict[str, Any],
) -> None:
    data, truth = imported["data"], imported["truth"]
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        for person in truth["persons"]:
            ref = quote(person["phone"], safe="")
            ledger = admin.get(f"/customers/{ref}/ledger", params={"limit": 100}).json()
            assert Decimal(ledger["balance"]) == Decimal(person["balance"]), person["phone"]
            assert Decimal(admin.get(f"/customers/{ref}").json()["customer"]["balance"]) == Decimal(person["balance"])
            assert sorted((e["kind"], e["source"], Decimal(e["amount"])) for e in ledger["items"]) == sorted(
                ("opening", f"{o['collection']}:{o['id']}", Decimal(o["amount"])) for o in person["openings"]
            )
        review = admin.get("/admin/review", params={"reason": "balance_conflict", "limit": 100}).json()
        flagged = {item["row"]["customer_id"] for item in review["items"]}
        conflicted = [p for p in truth["persons"] if p["balance_conflict"]]
        assert conflicted and len(flagged) == len(conflicted)
        expected_total = sum((Decimal(p["balance"]) for p in truth["persons"]), Decimal(0))
        counted = admin.get("/admin/stats").json()
        assert Decimal(counted["total_balance"]) == expected_total
        assert_stats_match_scan(counted, *local_table(data))


def test_every_row_attached_to_a_person_reads_back_verbatim_with_its_source(imported: dict[str, Any]) -> None:
    data, export, truth = imported["data"], imported["export"], imported["truth"]
    in_file: dict[tuple[str, int], Any] = {}
    for path in export.glob("*.jsonl"):
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            try:
                row = json.loads(text)
            except ValueError:
                continue  # a broken line is held for review, never a customer's
            if isinstance(row, dict) and "password_hash" in row:
                row["password_hash"] = "[removed]"  # secrets are the one thing not kept
            in_file[(path.stem, number)] = row
    unlisted = 0
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        for person in truth["persons"]:
            records, cursor = [], None
            while True:
                params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
                page = admin.get(f"/admin/customers/{quote(person['phone'], safe='')}/legacy-records", params=params)
                assert page.status_code == 200, page.text
                records += page.json()["items"]
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
            expected = {(row["collection"], row["id"]) for row in person["legacy_ids"]}
            expected |= {("bookings", booking_id) for booking_id in person["booking_ids"]}
            assert {(r["collection"], r["legacy_id"]) for r in records} == expected, person["phone"]
            for record in records:
                assert record["row"] == in_file[(record["collection"], record["line"])], record
                unlisted += bool({"landmark", "legacy_flags"} & set(record["row"]))
        some = quote(truth["persons"][0]["phone"], safe="")
        with authorized(mint_token(data, "delivery_person"), url) as delivery:
            assert delivery.get(f"/admin/customers/{some}/legacy-records").status_code == 403
    assert unlisted > 0  # fields nobody listed are among them


def test_the_report_counts_the_unmapped_field_names_of_every_collection(imported: dict[str, Any]) -> None:
    unmapped = imported["first"]["unmapped_fields"]
    assert unmapped == imported["truth"]["unmapped_fields"]
    assert unmapped["customers_v2"]["landmark"] > 0 and unmapped["customers_v2"]["legacy_flags"] > 0


def test_old_passwords_sign_in_customers_and_staff(imported: dict[str, Any]) -> None:
    data, truth = imported["data"], imported["truth"]
    with local_server(data) as url, httpx.Client(base_url=url, timeout=60) as client:
        logins = [person for person in truth["persons"] if person["login"]][:8]
        assert logins
        for person in logins:
            answer = client.post("/auth/login", json=person["login"])
            assert answer.status_code == 200, person["login"]
            me = client.get("/me", headers={"Authorization": f"Bearer {answer.json()['token']}"}).json()
            assert me["customer"]["phone"] == person["phone"]
        staff = next(s for s in truth["staff"] if s["role"] in {"delivery_boy", "delivery_person"})
        answer = client.post("/auth/login", json={"email": staff["email"], "password": staff["password"]})
        assert answer.status_code == 200
        me = client.get("/me", headers={"Authorization": f"Bearer {answer.json()['token']}"}).json()
        assert me["account"]["role"] == "delivery_person" and me["customer"] is None


def test_a_second_run_over_the_same_input_changes_nothing(imported: dict[str, Any]) -> None:
    export, data = imported["export"], imported["data"]
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        before = customers(admin)
        counted = assert_stats_match_scan(admin.get("/admin/stats").json(), *local_table(data))
    again = backfill(export, data)
    assert again.returncode == 0, again.stdout + again.stderr
    second = report(export)
    assert (
        second["customers_created"] == 0 and "created" not in second["outcomes"] and "merged" not in second["outcomes"]
    )
    written = (export / "backfill-report.json").read_text() + (export / "backfill-rows.jsonl").read_text()
    assert "$2b$" not in written and "$argon2" not in written  # no password hash in any report
    first_conflicts = {(c["phone"], c["field"]) for c in imported["first"]["conflicts"]}
    assert {(c["phone"], c["field"]) for c in second["conflicts"]} == first_conflicts  # nothing new to report
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        assert customers(admin)[: len(before)] == before
        assert assert_stats_match_scan(admin.get("/admin/stats").json(), *local_table(data)) == counted


def test_a_dry_run_writes_nothing_but_the_report(tmp_path: Path) -> None:
    export, data = tmp_path / "export", tmp_path / "data"
    truth = generate(export, persons=40, seed=3)
    done = backfill(export, data, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    dry = report(export)
    assert dry["dry_run"] is True and dry["rows_reported"] == truth["counts"]["rows_total"]
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        assert admin.get("/customers").json()["items"] == []
        assert admin.get(f"/customers/{quote(truth['persons'][0]['phone'], safe='')}").status_code == 404


def test_a_run_killed_midway_and_started_again_ends_where_an_uninterrupted_run_ends(
    imported: dict[str, Any], tmp_path: Path
) -> None:
    export, data = tmp_path / "export", tmp_path / "data"
    generate(export)  # the same input as the uninterrupted run
    failed = backfill(export, data, "--chunk-size", "40", fail_after=7)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        assert_stats_match_scan(admin.get("/admin/stats").json(), *local_table(data))  # what was written, counted
    resumed = backfill(export, data, "--chunk-size", "40")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert sorted(map(json.dumps, rows(export))) == sorted(map(json.dumps, imported["rows"]))
    timeless = {p["phone"] for p in imported["truth"]["persons"] if p["first_seen"] is None}
    snapshots, counts = [], []
    for folder in (imported["data"], data):
        with local_server(folder) as url, authorized(mint_token(folder, "admin"), url) as admin:
            counts.append(assert_stats_match_scan(admin.get("/admin/stats").json(), *local_table(folder)))
            snapshots.append(
                [  # a customer none of whose records has a time was created when its run started
                    {k: v for k, v in c.items() if not (k == "created_at" and c["phone"] in timeless)}
                    for c in customers(admin)
                    if c["phone"] != "+919000000000"
                ]
            )
    assert snapshots[1] == snapshots[0]
    assert counts[1]["bookings"] == counts[0]["bookings"] and counts[1]["review_open"] == counts[0]["review_open"]


def test_junk_and_shared_phones_are_held_and_the_shared_ones_resolve_both_ways(imported: dict[str, Any]) -> None:
    """Last in this module: it changes the imported data (the runs above compare it as imported)."""
    data, truth = imported["data"], imported["truth"]
    held = [r for r in imported["rows"] if r["outcome"] == "review"]
    assert {r["reason"] for r in held} >= {"junk_phone", "shared_phone"}
    with local_server(data) as url, authorized(mint_token(data, "admin"), url) as admin:
        for junk in ("9999999999", "0000000000", "1234567890"):  # nobody was made of a junk phone
            assert admin.get(f"/customers/{junk}").status_code == 404
        items = admin.get("/admin/review", params={"reason": "shared_phone", "limit": 100}).json()["items"]
        assert len(items) == 2 and all(len(item["row"]["names"]) == 5 for item in items)
        household, separate = sorted(items, key=lambda item: item["review_id"])
        next_number = admin.get("/admin/customer-numbers").json()["next_number"]
        answer = admin.post(f"/admin/review/{quote(household['review_id'], safe='')}", json={"action": "household"})
        assert answer.status_code == 200, answer.text
        (one,) = answer.json()["customers"]
        assert one["phone"] == household["row"]["phone"] and len(one["members"]) == 4 and len(one["legacy_ids"]) == 5
        assert one["customer_number"] == f"PL{next_number}"
        keeper = separate["row"]["rows"][-1]["id"]
        body = {"action": "separate", "keeper": keeper}
        answer = admin.post(f"/admin/review/{quote(separate['review_id'], safe='')}", json=body)
        assert answer.status_code == 200, answer.text
        five = answer.json()["customers"]
        assert [c["customer_number"] for c in five] == [f"PL{next_number + k}" for k in range(1, 6)]
        assert five[0]["phone"] == separate["row"]["phone"] and keeper in five[0]["legacy_ids"]
        assert all(c["phone"] is None for c in five[1:])
        for customer in five[1:]:  # reached by their number and legacy ids, with their bookings
            (legacy,) = customer["legacy_ids"]
            found = admin.get(f"/customers/{quote(legacy, safe='')}").json()["customer"]
            assert found["customer_id"] == customer["customer_id"]
        again = admin.post(f"/admin/review/{quote(separate['review_id'], safe='')}", json={"action": "household"})
        assert again.status_code == 409
        stats = assert_stats_match_scan(admin.get("/admin/stats").json(), *local_table(data))
        assert stats["customers"]["without_phone"] == 4
        assert stats["customers"]["total"] == len(truth["persons"]) + 1 + 6  # + PL<n> created by the API above
