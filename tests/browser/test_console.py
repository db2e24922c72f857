"""The console's journeys in headless Chromium, each page checked by axe-core and photographed."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    ADMIN_EMAIL,
    DP_EMAIL,
    DP_PASSWORD,
    check_page,
    money,
    record_time,
    run_tool,
    sign_in,
)

pytestmark = pytest.mark.integration


def test_the_first_admin_step_runs_once_and_its_link_signed_the_admin_in(
    first_admin: str, data_dir: Path, base_url: str
) -> None:
    again = run_tool(data_dir, "devserver.first_admin", "--email", "second@example.com", base_url=base_url)
    assert again.returncode == 1 and "admin_exists" in again.stderr


def test_static_files_come_with_a_strict_policy(base_url: str) -> None:
    answer = httpx.get(f"{base_url}/console/")
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert httpx.get(f"{base_url}/console/js/main.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{base_url}/console/js/../../template.yaml").status_code == 404


def test_sign_in_refuses_a_wrong_password_in_words_and_sign_out_says_so(page: Page, first_admin: str) -> None:
    page.goto("/console/")
    check_page(page, "sign-in")
    page.get_by_label("Email or phone").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("That email or phone and password do not match an account.")
    sign_in(page)
    # The refresh token is a cookie no script can read, sent to /auth only; the access token is in memory.
    (cookie,) = page.context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["path"], cookie["sameSite"]) == (
        "refresh_token",
        True,
        "/auth",
        "Strict",
    )
    assert page.evaluate("() => document.cookie") == ""
    assert page.evaluate("() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)") == "{}{}"
    page.reload()  # a reload keeps the session: a new access token from the cookie
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.reload()  # the session ended with the sign-out: the cookie opens nothing
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_an_expired_access_token_is_renewed_through_the_cookie_and_the_request_sent_again(
    page: Page, seeded: dict[str, Any]
) -> None:
    sign_in(page)
    refused = []

    def expire_once(route: Any) -> None:
        if refused:
            route.continue_()
            return
        refused.append(route.request.headers.get("authorization"))
        body = '{"error": {"code": "unauthenticated", "message": "the token has expired", "field": null}}'
        route.fulfill(status=401, content_type="application/json", body=body)

    page.route("**/admin/stats", expire_once)
    page.goto("/console/#/customers")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("[data-figure='customers.total']")).to_be_visible()
    assert refused and refused[0].startswith("Bearer ")


def test_the_dashboard_shows_every_figure_of_the_stats_and_the_months(
    page: Page, api: httpx.Client, seeded: dict[str, Any]
) -> None:
    started = time.perf_counter()
    page.goto("/console/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    record_time("console page load, first (static files, to the sign-in form)", time.perf_counter() - started)
    started = time.perf_counter()
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    record_time("console page load, again (warm function)", time.perf_counter() - started)
    record_time("sign in to the dashboard with every figure shown", sign_in(page))
    expect(page.locator("main[aria-busy=true]")).to_have_count(0)
    page.goto("/console/#/customers")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    started = time.perf_counter()
    page.get_by_role("link", name="Dashboard").click()
    expect(page.locator("[data-figure]").first).to_be_visible()
    expect(page.locator("main[aria-busy=true]")).to_have_count(0)
    record_time("open the dashboard again (3 API reads, charts drawn)", time.perf_counter() - started)
    plain = []
    for _ in range(5):
        started = time.perf_counter()
        stats = api.get("/admin/stats").json()
        plain.append(time.perf_counter() - started)
    record_time("plain GET /admin/stats (httpx, same run, median of 5)", sorted(plain)[2])
    monthly = api.get("/admin/stats/monthly").json()
    shown = {cell.get_attribute("data-figure"): cell.inner_text() for cell in page.locator("[data-figure]").all()}
    assert shown == {
        "customers.total": str(stats["customers"]["total"]),
        "customers.with_login": str(stats["customers"]["with_login"]),
        "customers.with_email": str(stats["customers"]["with_email"]),
        "customers.merged_away": str(stats["customers"]["merged_away"]),
        "bookings.total": str(stats["bookings"]["total"]),
        "bookings.total_spent": money(stats["bookings"]["total_spent"]),
        "total_balance": money(stats["total_balance"]),
        "review_open": str(stats["review_open"]),
    }
    assert stats["customers"]["total"] > 3 and stats["review_open"] > 0
    page.get_by_text("Every month, exact").click()
    rows = page.get_by_role("table", name="Months").locator("tbody tr")
    expected = [
        [
            m["month"],
            str(m["customers_created"]),
            *(str(m["became"][s]) for s in ("trial", "active", "paused", "stopped")),
            str(m["bookings"]),
            money(m["revenue"]),
        ]
        for m in monthly["months"]
    ]
    assert [row.locator("td").all_inner_texts() for row in rows.all()] == expected
    by_status = page.get_by_role("table", name="Customers by status").locator("tbody tr")
    assert {r.locator("td").nth(0).inner_text(): int(r.locator("td").nth(1).inner_text()) for r in by_status.all()} == (
        stats["customers"]["by_status"]
    )
    check_page(page, "dashboard")
    page.get_by_label("Months shown").select_option("60")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("Every month, exact").click()
    last = date.fromisoformat(monthly["months"][-1]["month"] + "-01")
    first = f"{(last.year * 12 + last.month - 60) // 12:04d}-{(last.month - 60) % 12 + 1:02d}"
    longer = api.get("/admin/stats/monthly", params={"from": first}).json()["months"]
    expect(page.get_by_role("table", name="Months").locator("tbody tr")).to_have_count(60)
    expect(page.get_by_role("table", name="Months").locator("tbody tr").first).to_contain_text(first)
    assert len(longer) == 60 and longer[0]["month"] == first
    assert sum(m["customers_created"] for m in longer) > sum(m["customers_created"] for m in monthly["months"])
    check_page(page, "dashboard-60-months", full_page=False)


def test_one_search_box_finds_a_legacy_id_any_phone_shape_and_a_name(page: Page, seeded: dict[str, Any]) -> None:
    sign_in(page)
    search = page.get_by_label("Search customers")
    page.goto("/console/#/customers")
    check_page(page, "customers")
    for text, expected in (
        (seeded["legacy_id"], None),
        ("098111 22233", "Ravi Rao"),
        ("user_9811122233", "Ravi Rao"),
        ("zoe", "Zoë Fernandes"),
        ("ravi", "Ravi R."),
    ):
        search.fill(text)
        started = time.perf_counter()
        page.get_by_role("button", name="Search").click()
        status = page.get_by_role("status").filter(has_text=f"found for “{text}”")  # this search's, not the last
        expect(status).to_be_visible()
        record_time(f"search {text!r}", time.perf_counter() - started)
        expect(page.get_by_role("table").first).to_be_visible()
        if expected:
            expect(page.get_by_role("cell", name=expected, exact=True).first).to_be_visible()
    expect(page.get_by_role("cell", name="Ravi Rao", exact=True)).to_be_visible()  # "ravi" finds both
    page.go_back()  # the search lives in the URL: Back shows the previous one
    expect(page.get_by_role("status")).to_contain_text("zoe")
    search.fill("nobody-like-this")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_have_text("No customer matches “nobody-like-this”.")
    check_page(page, "customers-search")


def test_customers_are_filtered_by_delivery_person(page: Page, seeded: dict[str, Any]) -> None:
    sign_in(page)
    page.goto("/console/#/customers")
    page.get_by_label("Delivery person").select_option(label="Kiran")
    page.get_by_role("button", name="Search").click()
    listed = page.get_by_role("table", name="Customers")
    expect(listed.get_by_role("cell", name="Ravi Rao", exact=True)).to_be_visible()
    expect(listed.get_by_role("cell", name="Zoë Fernandes", exact=True)).to_be_visible()
    expect(listed.get_by_role("row")).to_have_count(3)  # the header and Kiran's two customers
    assert "delivery_person_id=" in page.url  # the filter lives in the URL, like the others
    check_page(page, "customers-by-delivery-person")


def test_an_admin_sees_where_a_customer_is_signed_in_and_signs_it_out(
    page: Page, base_url: str, seeded: dict[str, Any]
) -> None:
    customer = seeded["customers"]["Ravi R."]
    with httpx.Client(base_url=base_url) as phone:  # the customer signs in with a code on their phone
        assert phone.post("/auth/otp/request", json={"phone": customer["phone"]}).status_code == 202
        text = phone.get("/dev/outbox", params={"to": customer["phone"]}).json()["messages"][0]["text"]
        code = re.search(r"\b(\d{6})\b", text)
        assert code
        signed = phone.post("/auth/otp/verify", json={"phone": customer["phone"], "code": code.group(1)})
        assert signed.status_code == 200, signed.text
    sign_in(page)
    page.goto(f"/console/#/customers/{customer['customer_number']}")
    sessions = page.get_by_role("table", name="Live sessions")
    expect(sessions).to_contain_text("otp")
    check_page(page, "customer-sessions")
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("status").filter(has_text="Signed out of")).to_be_visible()
    expect(page.get_by_text("Not signed in anywhere.")).to_be_visible()


def test_an_imported_customer_shows_its_legacy_rows_as_exported(page: Page, seeded: dict[str, Any]) -> None:
    sign_in(page)
    page.goto(f"/console/#/customers/{seeded['legacy_id']}")
    rows = page.get_by_role("table", name="Rows imported from the old systems")
    expect(rows).to_be_visible()
    expect(rows.get_by_role("cell", name=seeded["legacy_id"], exact=True)).to_be_visible()
    expect(rows.get_by_role("cell", name="customers", exact=True).first).to_be_visible()
    check_page(page, "customer-legacy-records")


def test_an_admin_edits_a_profile_and_books(page: Page, api: httpx.Client, seeded: dict[str, Any]) -> None:
    number = seeded["customers"]["Zoë Fernandes"]["customer_number"]
    sign_in(page)
    page.goto(f"/console/#/customers/{number}")
    expect(page.get_by_role("heading", name=f"{number} Zoë Fernandes")).to_be_visible()
    page.get_by_label("Area").fill("HSR Layout")
    page.get_by_label("Status").select_option("paused")
    started = time.perf_counter()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    record_time("save a profile", time.perf_counter() - started)
    customer = api.get(f"/customers/{number}").json()["customer"]
    assert (customer["area"], customer["status"]) == ("HSR Layout", "paused")
    page.get_by_label("Service").fill("Dry clean")
    page.get_by_label("Amount", exact=True).fill("120.25")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Booked.")).to_be_visible()
    expect(page.get_by_role("cell", name="₹120.25")).to_be_visible()
    assert api.get(f"/customers/{number}").json()["customer"]["total_spent"] == "120.25"
    page.get_by_label("Amount (negative to charge)").fill("-40.50")
    page.get_by_label("Reason", exact=True).fill("milk, November")
    page.get_by_role("button", name="Adjust").click()
    expect(page.get_by_role("status").filter(has_text="Balance adjusted.")).to_be_visible()
    ledger = page.get_by_role("table", name="Ledger, newest first")
    expect(ledger.get_by_role("row").nth(1)).to_contain_text("milk, November")
    expect(ledger.get_by_role("row").nth(1)).to_contain_text("₹-40.50")
    assert api.get(f"/customers/{number}").json()["customer"]["balance"] == "-40.50"
    check_page(page, "customer")


def test_merge_shows_what_moves_then_merges_and_undoes(page: Page, api: httpx.Client, seeded: dict[str, Any]) -> None:
    merged, kept = seeded["customers"]["Ravi R."], seeded["customers"]["Ravi Rao"]
    sign_in(page)
    page.goto(f"/console/#/merge?from={merged['customer_number']}&into={kept['customer_number']}")
    preview = page.get_by_role("table", name="What the merge does")
    expect(preview.get_by_role("row", name="Bookings")).to_contain_text("2")
    expect(preview.get_by_role("row", name="Spent")).to_contain_text("₹249.60")
    check_page(page, "merge")
    page.get_by_role("button", name=f"Merge {merged['customer_number']} into {kept['customer_number']}…").click()
    started = time.perf_counter()
    page.get_by_role("dialog").get_by_role("button", name="Merge").click()
    expect(page.get_by_role("heading", name=f"{kept['customer_number']} Ravi Rao")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Merged")).to_be_visible()
    record_time("merge (confirm to the kept customer's page)", time.perf_counter() - started)
    expect(page.get_by_role("definition").filter(has_text=merged["customer_id"])).to_be_visible()  # merged into it
    assert api.get(f"/customers/{merged['customer_number']}").json()["resolved_from"] == "merged"
    page.get_by_role("button", name=f"Undo merge of {merged['customer_number']}").click()
    started = time.perf_counter()
    page.get_by_role("dialog").get_by_role("button", name="Undo merge").click()
    expect(page.get_by_role("status").filter(has_text="Undone.")).to_be_visible()
    record_time("undo a merge (confirm to the restored customer's page)", time.perf_counter() - started)
    assert api.get(f"/customers/{merged['customer_number']}").json()["resolved_from"] == "customer_number"
    page.goto(f"/console/#/merge?from={kept['customer_number']}&into={kept['customer_number']}")
    expect(page.get_by_text("These are the same customer.")).to_be_visible()


def test_review_rows_are_attached_and_dismissed_and_the_dashboard_count_goes_down(
    page: Page, api: httpx.Client, seeded: dict[str, Any]
) -> None:
    before = api.get("/admin/stats").json()["review_open"]
    sign_in(page)
    page.goto("/console/#/review")
    expect(page.get_by_role("status").filter(has_text="rows waiting")).to_have_text(f"{before} rows waiting.")
    check_page(page, "review")
    first = page.get_by_role("article").first
    first.get_by_label("Why dismiss").fill("line cut off in the export")
    started = time.perf_counter()
    first.get_by_role("button", name="Dismiss").click()
    expect(first.get_by_role("status")).to_have_text("Dismissed.")
    record_time("dismiss a review row", time.perf_counter() - started)
    # A held customer row without a valid phone is attached as a legacy id (some rows are refused:
    # an email another account has, a name conflict; the refusal must be words, and the row stays open).
    page.get_by_label("Reason").select_option("no_valid_phone")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("article").first).to_contain_text("no valid phone")
    number = seeded["customers"]["Ravi Rao"]["customer_number"]
    attached = 0
    for title in [heading.inner_text() for heading in page.get_by_role("article").get_by_role("heading").all()]:
        row = page.get_by_role("article", name=title, exact=True)
        row.get_by_label("Customer (any identifier)").fill(number)
        row.get_by_role("button", name="Attach").click()
        outcome = row.locator(".message-slot")
        expect(outcome).not_to_be_empty()
        if outcome.inner_text() == f"Attached to {number}.":
            attached = 1
            break
        assert re.fullmatch(r"[A-Z][^_]*\.", outcome.inner_text()), outcome.inner_text()  # a sentence, not a code
    assert attached, "no held row could be attached"
    after = api.get("/admin/stats").json()["review_open"]
    assert after == before - 2
    page.goto("/console/#/")
    expect(page.locator("[data-figure=review_open]")).to_have_text(str(after))


def test_deactivating_a_staff_account_ends_its_session(
    browser: Browser, base_url: str, page: Page, seeded: dict[str, Any]
) -> None:
    other = browser.new_context(base_url=base_url)
    person = other.new_page()
    sign_in(person, DP_EMAIL, DP_PASSWORD)
    expect(person.get_by_role("heading", name="My customers")).to_be_visible()
    sign_in(page)
    page.goto("/console/#/staff")
    check_page(page, "staff")
    page.get_by_role("button", name="Deactivate Kiran").click()
    started = time.perf_counter()
    page.get_by_role("dialog").get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status").filter(has_text="Deactivated Kiran.")).to_be_visible()
    record_time("deactivate a staff account (confirm to the list again)", time.perf_counter() - started)
    person.reload()  # any request now: the session has ended
    sign_in_failed = person.get_by_role("alert")
    person.get_by_label("Email or phone").fill(DP_EMAIL)
    person.get_by_label("Password").fill(DP_PASSWORD)
    person.get_by_role("button", name="Sign in").click()
    expect(sign_in_failed).to_contain_text("deactivated")
    page.get_by_role("button", name="Reactivate Kiran").click()
    expect(page.get_by_role("status").filter(has_text="Reactivated Kiran.")).to_be_visible()
    other.close()


def test_staff_are_added_and_given_a_role_the_next_number_is_set_and_the_billing_csv_downloads(
    page: Page, api: httpx.Client, seeded: dict[str, Any]
) -> None:
    sign_in(page)
    page.goto("/console/#/staff")
    page.get_by_label("Email").fill("meera@example.com")
    page.get_by_label("Name").fill("Meera")
    page.get_by_label("Role", exact=True).select_option("supplier")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").filter(has_text="Added meera@example.com.")).to_be_visible()
    page.get_by_label("Role of Meera").select_option("marketing_staff")
    expect(page.get_by_role("status").filter(has_text="Meera is now marketing staff")).to_be_visible()
    roles = {a["email"]: a["role"] for a in api.get("/admin/staff", params={"limit": 100}).json()["items"]}
    assert roles["meera@example.com"] == "marketing_staff"
    page.get_by_label("Email").fill("meera@example.com")  # the same email again: refused in words
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_have_text("That email belongs to another account.")
    numbers = api.get("/admin/customer-numbers").json()
    page.get_by_label("Next number (after PL)").fill(str(numbers["next_number"] + 100))
    page.get_by_role("button", name="Set next number").click()
    after = f"PL{numbers['next_number'] + 100}"
    expect(page.get_by_role("status").filter(has_text=f"the next customer gets {after}")).to_be_visible()
    assert api.get("/admin/customer-numbers").json()["next_customer_number"] == after
    page.get_by_label("Next number (after PL)").fill("1")
    page.get_by_role("button", name="Set next number").click()
    expect(page.get_by_role("alert").filter(has_text="next number")).to_have_text(
        "The next number must be above every number already given."
    )
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the billing CSV").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert (
        lines[0].startswith("customer_number,")
        and len(lines) == 1 + api.get("/admin/stats").json()["customers"]["total"]
    )


def test_a_session_ended_by_an_admin_sends_the_person_to_sign_in_with_the_reason(
    browser: Browser, base_url: str, page: Page, api: httpx.Client, seeded: dict[str, Any]
) -> None:
    other = browser.new_context(base_url=base_url)
    person = other.new_page()
    sign_in(person, DP_EMAIL, DP_PASSWORD)
    expect(person.get_by_role("heading", name="My customers")).to_be_visible()
    api.patch(f"/admin/staff/{seeded['delivery_person']}", json={"active": False})
    person.get_by_role("link", name="My customers").click()
    person.evaluate("() => window.dispatchEvent(new HashChangeEvent('hashchange'))")
    expect(person.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(person.get_by_role("status")).to_contain_text("deactivated")
    api.patch(f"/admin/staff/{seeded['delivery_person']}", json={"active": True})
    other.close()


def test_a_delivery_person_sees_their_round_on_a_phone(browser: Browser, base_url: str, seeded: dict[str, Any]) -> None:
    phone = browser.new_context(
        base_url=base_url, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    sign_in(page, DP_EMAIL, DP_PASSWORD)
    expect(page.get_by_role("heading", name="My customers")).to_be_visible()
    stops = page.get_by_role("article")
    expect(stops).to_have_count(2)
    expect(stops.first).to_contain_text("12 Temple Street")
    assert stops.first.get_by_role("link", name="Open in maps").get_attribute("href") == seeded["map_link"]
    assert stops.first.get_by_role("link", name="House photo").get_attribute("href") == seeded["house_image_url"]
    from_address = stops.nth(1).get_by_role("link", name="Open in maps").get_attribute("href") or ""
    assert from_address.startswith("https://maps.google.com/?q=4th%20Block")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    for hidden in ("Merge", "Staff", "Dashboard", "Download the billing CSV"):
        assert page.get_by_text(hidden, exact=True).count() == 0
    check_page(page, "delivery-phone")
    page.goto("/console/#/merge")
    expect(page.get_by_role("heading", name="Not available")).to_be_visible()
    phone.close()
