"""Change events from the table's stream (moto's), with the Lambda's publisher: which events each
write makes, their ids across redeliveries, nothing for a failed write, and where a batch resumes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import PhoneTaken
from customer_identity.core.models.accounts import CredentialsChange
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.core.models.events import EVENT_TYPES
from customer_identity.core.models.ledger import BalanceAdjustment
from customer_identity.use_cases.events.publisher import Publisher
from devserver.events import lambda_record
from devserver.server import LambdaContext
from devserver.template import functions
from tests.events_checks import check_events
from tests.unit.conftest import TABLE, TEST_IP, Domain, code_in, load_event, load_handler

pytestmark = pytest.mark.stream
ADMIN = "stf_admin"
CONTEXT = LambdaContext("PublishEventsFunction")


class Collected:
    def __init__(self, refuse_at: int | None = None) -> None:
        self.events: list[dict[str, Any]] = []
        self.refuse_at = refuse_at  # refuse the event at this position of the whole stream, once

    def send(self, events: list[dict[str, Any]]) -> list[int]:
        for index, event in enumerate(events):
            if self.refuse_at is not None and len(self.events) == self.refuse_at:
                self.refuse_at = None
                return list(range(index, len(events)))
            self.events.append(event)
        return []


def stream_records() -> list[dict[str, Any]]:
    """The table's stream so far, as Lambda delivers it (read from moto's backend: its
    dynamodbstreams API answers 404 here; the local server's poller is tested over DynamoDB Local)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    shard = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_table(TABLE).stream_shard
    return [lambda_record(record.to_json()) for record in shard.items]


def published() -> list[dict[str, Any]]:
    """Every event of the stream so far, published as the Lambda publishes them."""
    sink = Collected()
    assert Publisher(runtime.event_catalogue(), sink).publish(stream_records()) == []
    check_events(sink.events)
    return sink.events


def book(domain: Domain, ref: str, amount: str) -> str:
    return domain.bookings.create(
        NewBooking(customer=ref, service="Ironing", amount=Decimal(amount))
    ).booking.booking_id


def test_each_change_is_its_event_with_old_and_new_values_and_the_revision_only_grows(domain, tmp_path) -> None:
    asha = domain.create("9812345670", name="Asha", email="asha@example.com").customer
    ravi = domain.create("9812345671", name="Ravi").customer
    domain.profiles.update("PL1", CustomerChanges(status="paused"))
    domain.profiles.update("PL1", CustomerChanges(phone="9812345679", name="Asha K"))
    domain.profiles.attach_legacy_ids("PL1", ["CUST-7"])
    booking = book(domain, "PL1", "12.50")
    domain.bookings.set_status(booking, "cancelled")
    merge = runtime.merges().merge("PL1", "PL2", by=ADMIN)
    runtime.merges().undo(merge.merge_id, by=ADMIN)

    events = published()
    mine = [(e["type"], e["customer_number"]) for e in events if e["type"].startswith("customer.")]
    assert mine == [
        ("customer.created", "PL1"),
        ("customer.created", "PL2"),
        ("customer.updated", "PL1"),
        ("customer.phone_changed", "PL1"),
        ("customer.legacy_id_attached", "PL1"),
        ("customer.merged", "PL1"),
        ("customer.merge_undone", "PL1"),
    ]
    by_type = {e["type"]: e for e in events if e["customer_id"] == asha.customer_id}
    assert by_type["customer.updated"]["data"]["changes"] == {"status": {"old": "active", "new": "paused"}}
    assert by_type["customer.phone_changed"]["data"]["changes"] == {
        "phone": {"old": "+919812345670", "new": "+919812345679"},
        "name": {"old": "Asha", "new": "Asha K"},
    }
    assert by_type["customer.legacy_id_attached"]["data"]["legacy_ids_added"] == ["CUST-7"]
    merged = by_type["customer.merged"]["data"]
    assert merged["into"] == {"customer_id": ravi.customer_id, "customer_number": "PL2"}
    assert merged["customer"]["merged_into"] == ravi.customer_id
    assert {(i["kind"], i["value"]) for i in merged["forwarding"]} == {
        ("customer_id", asha.customer_id),
        ("customer_number", "PL1"),
        ("phone", "+919812345679"),
        ("email", "asha@example.com"),
        ("legacy_id", "CUST-7"),
    }
    assert by_type["customer.merge_undone"]["data"]["customer"]["merged_into"] is None
    revisions = [e["revision"] for e in events if e["customer_id"] == asha.customer_id and e["type"][0] == "c"]
    assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)
    bookings = [
        (e["type"], e["data"]["booking"]["status"], e["customer_number"]) for e in events if "booking" in e["data"]
    ]
    assert bookings == [
        ("booking.created", "scheduled", "PL1"),
        ("booking.updated", "cancelled", "PL1"),
        ("booking.updated", "cancelled", "PL2"),  # moved by the merge
        ("booking.updated", "cancelled", "PL1"),  # and back by its undo
    ]
    assert len({e["event_id"] for e in events}) == len(events)


def test_a_released_phone_and_a_balance_adjustment_are_changes_of_the_same_customer(domain) -> None:
    """A release moves the item to the customer's own key: that is the phone changing (to none), not a
    new customer; an adjustment changes the balance, with the next revision."""
    asha = domain.create("9812345670", name="Asha").customer
    runtime.ledger().adjust("PL1", BalanceAdjustment(amount="-40.00", reason="milk"), by=ADMIN, idempotency_key="k1")
    runtime.phone_releases().release("PL1", reason="admin", by=ADMIN)
    events = [e for e in published() if e["customer_id"] == asha.customer_id]
    assert [e["type"] for e in events] == [
        "customer.created",
        "ledger.entry_posted",
        "customer.updated",
        "customer.phone_changed",
    ]
    entry = events[1]["data"]["entry"]
    assert (entry["amount"], entry["kind"], entry["reason"]) == ("-40.00", "adjustment", "milk")
    assert events[1]["customer_number"] == "PL1"
    assert events[2]["data"]["changes"] == {"balance": {"old": "0.00", "new": "-40.00"}}
    assert events[3]["data"]["changes"]["phone"] == {"old": "+919812345670", "new": None}
    assert events[3]["data"]["customer"]["customer_number"] == "PL1"
    customer = [e["revision"] for e in events if e["type"].startswith("customer.")]
    assert customer == sorted(set(customer))


def test_a_booking_moved_by_a_merge_names_both_customers(domain, tmp_path) -> None:
    domain.create("9812345670", name="Asha")
    survivor = domain.create("9812345671", name="Ravi").customer
    book(domain, "PL1", "5.00")
    runtime.merges().merge("PL1", "PL2", by=ADMIN)
    moved = [e for e in published() if e["type"] == "booking.updated"]
    assert [e["customer_number"] for e in moved] == ["PL2"]
    changes = moved[0]["data"]["changes"]
    assert changes["customer_number"] == {"old": "PL1", "new": "PL2"}
    assert changes["customer_id"]["new"] == survivor.customer_id


def test_no_event_for_a_write_that_failed_nor_for_a_sign_in_or_a_password(domain, outbox) -> None:
    domain.create("9812345670", name="Asha")
    domain.create("9812345671", name="Ravi")
    before = published()
    with pytest.raises(PhoneTaken):
        domain.profiles.update("PL1", CustomerChanges(phone="9812345671"))
    assert published() == before
    domain.phone_sign_in.request("+919812345671", source_ip=TEST_IP)
    signed_in = domain.phone_sign_in.verify("+919812345671", code_in(outbox("+919812345671")))
    caller = runtime.tokens().verify(signed_in.token)
    domain.credentials.change(caller, CredentialsChange(password="correct horse battery"))
    assert published() == before  # proving a phone and setting a password change nothing others follow


def test_redelivered_records_give_the_same_event_ids_and_a_refused_event_is_retried_from_its_record(
    domain, tmp_path
) -> None:
    domain.create("9812345670", name="Asha")
    domain.profiles.update("PL1", CustomerChanges(status="paused"))
    book(domain, "PL1", "3.00")
    records = stream_records()
    first = Collected()
    assert Publisher(runtime.event_catalogue(), first).publish(records) == []
    again = Collected()
    Publisher(runtime.event_catalogue(), again).publish(records)
    assert [e["event_id"] for e in again.events] == [e["event_id"] for e in first.events]
    refusing = Collected(refuse_at=1)
    failed = Publisher(runtime.event_catalogue(), refusing).publish(records)
    assert len(failed) == 1 and len(refusing.events) == 1
    retry_from = [r["dynamodb"]["SequenceNumber"] for r in records].index(failed[0])
    Publisher(runtime.event_catalogue(), refusing).publish(records[retry_from:])
    assert [e["event_id"] for e in refusing.events] == [e["event_id"] for e in first.events]


def test_the_lambda_puts_each_event_on_the_bus_and_reports_the_records_it_could_not(domain, environment) -> None:
    events = boto3.client("events", region_name="us-east-1")
    sqs = boto3.client("sqs", region_name="us-east-1")
    events.create_event_bus(Name="identity-events")
    queue = sqs.create_queue(QueueName="consumer")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName="identity-events", EventPattern='{"source": ["customer-identity"]}')
    events.put_targets(Rule="all", EventBusName="identity-events", Targets=[{"Id": "q", "Arn": queue_arn}])
    environment(EVENT_BUS_NAME="identity-events")
    handler = load_handler(next(f for f in functions() if f.function == "PublishEventsFunction"))
    assert handler.handler(load_event("publish_events"), CONTEXT) == {"batchItemFailures": []}
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    delivered = [json.loads(message["Body"]) for message in received]
    assert [(e["detail-type"], e["detail"]["customer_number"]) for e in delivered] == [("customer.created", "PL42")]
    check_events([e["detail"] for e in delivered])

    records = load_event("publish_events")["Records"] * 2
    records[1] = {
        **records[1],
        "dynamodb": {
            **records[1]["dynamodb"],
            "SequenceNumber": "2",
            "NewImage": {**records[1]["dynamodb"]["NewImage"], "entity": {"S": "customer"}, "status": {"N": "1"}},
        },
    }
    assert handler.handler({"Records": records}, CONTEXT) == {"batchItemFailures": [{"itemIdentifier": "2"}]}


def test_every_event_type_has_a_schema() -> None:
    from devserver.event_schemas import SCHEMA_DIR

    assert sorted(path.stem for path in SCHEMA_DIR.glob("*.json")) == sorted(EVENT_TYPES)
