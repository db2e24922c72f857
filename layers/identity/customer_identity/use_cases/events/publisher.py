"""Publishing the events of a batch of stream records, in order, at least once.

The same code runs in Lambda (``PublishEventsFunction``: the sink is EventBridge) and in the local
server (``devserver/events.py``: the sink is a file and, when set, a webhook). A batch is published
in record order; when a sink refuses an event, or a record cannot be translated, the answer names
that record, so Lambda retries from it (``ReportBatchItemFailures``) and every record before it
stays published. Retries publish again what had been accepted after it: same ``event_id``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Protocol

from customer_identity.core.models.events import as_json
from customer_identity.core.observability import logger
from customer_identity.storage.changes import change_of
from customer_identity.use_cases.events.catalogue import Catalogue

PUT_EVENTS_ENTRIES = 10  # EventBridge's most per PutEvents


class Sink(Protocol):
    def send(self, events: list[dict[str, Any]]) -> list[int]:
        """Deliver ``events``; the positions of those not accepted (empty: all were)."""
        ...


class EventBridgeSink:
    def __init__(self, client: Any, bus_name: str, source: str) -> None:
        self.client = client
        self.bus_name = bus_name
        self.source = source

    def send(self, events: list[dict[str, Any]]) -> list[int]:
        entries = [
            {
                "EventBusName": self.bus_name,
                "Source": self.source,
                "DetailType": event["type"],
                "Detail": json.dumps(event, ensure_ascii=False),
            }
            for event in events
        ]
        answer = self.client.put_events(Entries=entries)
        return [index for index, entry in enumerate(answer["Entries"]) if entry.get("ErrorCode")]


class Publisher:
    def __init__(self, catalogue: Catalogue, sink: Sink) -> None:
        self.catalogue = catalogue
        self.sink = sink

    def events_of(self, record: dict[str, Any]) -> list[dict[str, Any]]:
        return [as_json(event) for event in self.catalogue.events_of(change_of(record))]

    def publish(self, records: Iterable[dict[str, Any]]) -> list[str]:
        """Publish the events of ``records`` in order; the sequence number of the first record not
        fully published (Lambda retries from it), or nothing when all were."""
        pending: list[tuple[str, dict[str, Any]]] = []
        for record in records:
            sequence = record["dynamodb"]["SequenceNumber"]
            try:
                pending += [(sequence, event) for event in self.events_of(record)]
            except Exception:  # noqa: BLE001 (one record that cannot be translated holds back only itself and later ones)
                logger.exception("change event translation failed", extra={"sequence": sequence})
                return self._flush(pending) or [sequence]
            if len(pending) >= PUT_EVENTS_ENTRIES:
                failed = self._flush(pending[:PUT_EVENTS_ENTRIES])
                if failed:
                    return failed
                pending = pending[PUT_EVENTS_ENTRIES:]
        return self._flush(pending)

    def _flush(self, pending: list[tuple[str, dict[str, Any]]]) -> list[str]:
        for start in range(0, len(pending), PUT_EVENTS_ENTRIES):
            chunk = pending[start : start + PUT_EVENTS_ENTRIES]
            refused = self.sink.send([event for _, event in chunk])
            if refused:
                return [chunk[min(refused)][0]]
        return []
