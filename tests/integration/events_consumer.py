"""An example consumer of the change events: its own copy of every customer, from the events alone.

It deduplicates by ``event_id`` and applies an event only when its ``revision`` is above the one it
holds for that customer (for bookings: for that booking), so it may receive events twice and in any
order. Each customer event carries the whole customer, so the newest one wins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx

SETTLED_SECONDS = 2.0


def all_events(client: httpx.Client) -> list[dict[str, Any]]:
    found, cursor = [], "0"
    while True:
        page = client.get("/dev/events", params={"after": cursor}).json()
        found += page["events"]
        if page["next_cursor"] == cursor:
            return found
        cursor = page["next_cursor"]


def settled_events(client: httpx.Client, deadline_seconds: float = 120) -> list[dict[str, Any]]:
    """Every event, once none has come for :data:`SETTLED_SECONDS` (the local publisher polls every 20 ms)."""
    deadline = time.monotonic() + deadline_seconds
    events = all_events(client)
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < SETTLED_SECONDS:
        assert time.monotonic() < deadline, "events kept coming"
        time.sleep(0.25)
        latest = all_events(client)
        if len(latest) != len(events):
            events, quiet_since = latest, time.monotonic()
    return events


@dataclass
class Consumer:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)  # customer_id -> copy
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)  # booking_id -> copy
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0
    stale: int = 0

    def receive(self, event: dict[str, Any]) -> None:
        if event["event_id"] in self.seen:
            self.duplicates += 1
            return
        self.seen.add(event["event_id"])
        if event["type"].startswith("customer."):
            self._keep(self.customers, event["customer_id"], event, event["data"]["customer"])
        elif event["type"].startswith("booking."):
            self._keep(self.bookings, event["data"]["booking"]["booking_id"], event, event["data"]["booking"])

    def _keep(self, copies: dict[str, dict[str, Any]], key: str, event: dict[str, Any], state: dict[str, Any]) -> None:
        held = copies.get(key)
        if held is not None and held["revision"] >= event["revision"]:
            self.stale += 1
            return
        copies[key] = {**state, "revision": event["revision"]}

    def resolve(self, customer_id: str) -> dict[str, Any]:
        """The customer a reference to ``customer_id`` reaches: merged-away ones forward."""
        customer = self.customers[customer_id]
        while customer["merged_into"]:
            customer = self.customers[customer["merged_into"]]
        return customer

    def view(self, customer_id: str) -> dict[str, Any]:
        found = self.resolve(customer_id)
        return {name: found[name] for name in ("customer_id", "customer_number", "phone", "status", "legacy_ids")}

    def live_bookings(self, customer_id: str) -> int:
        return sum(1 for b in self.bookings.values() if b["customer_id"] == customer_id and b["status"] != "cancelled")
