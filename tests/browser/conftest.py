"""The console in a real browser: Debian's Chromium driven by Playwright for Python, against `make run`'s
server (a child process with its own DynamoDB Local), seeded through the API and a small backfill.

Chromium is never downloaded: it is the system's (``make chromium`` installs Debian's package), and a
major version these tests were not checked with fails them loudly. Screenshots and the timings go to
``test-results/console/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from devserver.process import local_server, mint_token
from devserver.template import PROJECT_ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHECKED_MAJOR_VERSIONS = {"156"}  # Playwright 1.64.x drives Chromium 156 (docs/console.md)
RESULTS = PROJECT_ROOT / "test-results" / "console"
AXE = PROJECT_ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"
ADMIN_EMAIL = "owner@example.com"
ADMIN_PASSWORD = "a long first password"
DP_EMAIL = "kiran@example.com"
DP_PASSWORD = "route 42 mornings"
TIMINGS: dict[str, float] = {}
# A function's first request on the local server starts its execution environment (a second or more on
# 2 busy cores); the timings below are measured separately.
expect.set_options(timeout=30_000)


def record_time(name: str, seconds: float) -> None:
    TIMINGS[name] = round(seconds * 1000, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make chromium` (Debian's package; nothing is downloaded)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        major = launched.version.split(".")[0]
        assert major in CHECKED_MAJOR_VERSIONS, (
            f"Chromium {launched.version} was not checked with these tests ({sorted(CHECKED_MAJOR_VERSIONS)}): "
            "pin a Playwright release that bundles this major version and add it to CHECKED_MAJOR_VERSIONS"
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-data")


@pytest.fixture(scope="session")
def base_url(data_dir: Path) -> Iterator[str]:
    with local_server(data_dir) as url:
        yield url


def run_tool(data_dir: Path, module: str, *arguments: str, base_url: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOCAL_DATA_DIR": str(data_dir), "CONSOLE_URL": base_url}
    env.pop("DYNAMODB_ENDPOINT", None)
    command = [sys.executable, "-m", module, *arguments]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def first_admin_link(base_url: str, data_dir: Path) -> str:
    done = run_tool(data_dir, "devserver.first_admin", "--email", ADMIN_EMAIL, "--name", "Owner", base_url=base_url)
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip().splitlines()[-1]
    assert link.startswith(f"{base_url}/console/#/set-password?token="), done.stdout
    return link


@pytest.fixture(scope="session")
def first_admin(browser: Browser, base_url: str, first_admin_link: str) -> str:
    """The first admin sets its password through the link in the console (and lands on the dashboard)."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    page.goto(first_admin_link)
    expect(page.get_by_role("heading", name="Set your password")).to_be_visible()
    page.get_by_label("New password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    context.close()
    return ADMIN_EMAIL


@pytest.fixture(scope="session")
def api(base_url: str, data_dir: Path, first_admin: str) -> Iterator[httpx.Client]:
    """An admin's client (a local admin of `make token`, not the first admin: its password is set in a test)."""
    token = mint_token(data_dir, "admin")
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as client:
        yield client


@pytest.fixture(scope="session")
def seeded(api: httpx.Client, data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small backfill (legacy ids, months of history, held rows) plus customers, bookings and a delivery person."""
    export = tmp_path_factory.mktemp("export")
    done = run_tool(data_dir, "devserver.legacy_export", str(export), "--persons", "40", "--seed", "5")
    assert done.returncode == 0, done.stderr
    done = run_tool(data_dir, "devserver.backfill", "run", str(export))
    assert done.returncode == 0, done.stderr
    person = api.post(
        "/admin/staff", json={"email": DP_EMAIL, "role": "delivery_person", "name": "Kiran", "password": DP_PASSWORD}
    ).json()["account"]["account_id"]
    made = {}
    for phone, name, area, address in (
        ("+91 98111 22233", "Ravi Rao", "Indiranagar", "12 Temple Street"),
        ("+91 98111 22244", "Zoë Fernandes", "Koramangala", "4th Block, 80 Feet Road"),
        ("+91 98111 22255", "Ravi R.", "Indiranagar", None),
    ):
        body = {"phone": phone, "name": name, "area": area} | ({"address": address} if address else {})
        made[name] = api.post("/customers", json=body).json()["customer"]
        if address:
            api.patch(f"/customers/{made[name]['customer_id']}", json={"delivery_person_id": person})
    for amount in ("249.50", "0.10"):
        api.post("/bookings", json={"customer": made["Ravi R."]["customer_id"], "service": "Wash", "amount": amount})
    pictures = {"map_link": "https://maps.example.com/ravi", "house_image_url": "https://photos.example.com/ravi.jpg"}
    assert api.patch(f"/customers/{made['Ravi Rao']['customer_id']}", json=pictures).status_code == 200
    legacy = re.search(r'"(CUST-\d+)"', (export / "customers.jsonl").read_text())
    assert legacy
    return {"customers": made, "delivery_person": person, "legacy_id": legacy.group(1), "export": export} | pictures


@pytest.fixture
def context(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    made = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    yield made
    made.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    """A page that fails the test on any script error or Content-Security-Policy violation."""
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and ("Content Security Policy" in message.text or "Refused" in message.text)
            else None
        ),
    )
    yield opened
    assert problems == []


def sign_in(page: Page, login: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> float:
    """Sign in through the form; the seconds from submitting to the signed-in page."""
    page.goto("/console/")
    page.get_by_label("Email or phone").fill(login)
    page.get_by_label("Password").fill(password)
    started = time.perf_counter()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("main[aria-busy=true]")).to_have_count(0)
    return time.perf_counter() - started


def check_page(page: Page, name: str, *, full_page: bool = True) -> None:
    """axe-core finds no serious or critical violation; a screenshot of the page is written."""
    expect(page.locator("main[aria-busy=true]")).to_have_count(0)
    page.evaluate(AXE.read_text())  # evaluated by the driver, which the page's CSP does not govern
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(RESULTS / f"{name}.png"), full_page=full_page)
    assert serious == [], json.dumps(serious, indent=1)


def money(value: str) -> str:
    return f"₹{Decimal(value):.2f}"
