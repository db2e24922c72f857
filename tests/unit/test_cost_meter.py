"""The capacity meter behind ``make cost`` (docs/cost.md): it must see, and ask, every DynamoDB call."""

from collections import Counter

import boto3

from devserver.capacity import CapacityMeter, item_size
from tests.unit.conftest import TABLE


def test_the_meter_sees_every_call_of_a_create_and_sums_what_they_report(domain, requests_made) -> None:
    meter = CapacityMeter()
    meter.install()
    try:
        domain.create("9717619183", name="Asha Rao", area="Indiranagar")
        sent = Counter(requests_made)
        assert sent["TransactWriteItems"] == 1
        sent["GetItem"] -= meter.own_reads  # the items' sizes, read by the meter's own client
        sent = +sent
        # Both clients (PynamoDB's and the storage layer's boto3 one), every call asked for its capacity.
        assert meter.requests() == sent
        assert meter.asked == sum(sent.values())
        # moto reports one unit per key of a BatchGetItem (a constant, not the item's size).
        assert sum(call.read for call in meter.calls) > 0
        # The table's write units, computed from the items: the customer, the counter, the id and
        # number aliases and a stats shard, each under 1 KB, x2 in a transaction.
        assert [call.table_write for call in meter.calls if call.operation == "TransactWriteItems"] == [10.0]
    finally:
        meter.uninstall()


def test_a_read_reports_capacity_only_because_the_meter_asked_for_it(domain) -> None:
    meter = CapacityMeter()
    meter.install()
    try:
        # PynamoDB asks for TOTAL on its own calls; a boto3 client made now (like the storage
        # layer's, made on first use) never asks itself: moto reports a GetItem's 0.5 only when asked.
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.get_item(TableName=TABLE, Key={"pk": {"S": "nothing"}, "sk": {"S": "here"}})
        assert meter.requests() == Counter({"GetItem": 1})
        assert [call.read for call in meter.calls] == [0.5]
    finally:
        meter.uninstall()
    client.get_item(TableName=TABLE, Key={"pk": {"S": "nothing"}, "sk": {"S": "here"}})
    assert meter.requests() == Counter({"GetItem": 1})  # uninstalled: no longer counted


def test_item_size_follows_aws_rules() -> None:
    # names + values: "pk" 2 + "PHONE#1" 7, "n" 1 + 123.45 (5 digits: 3 + 1), "ok" 2 + 1,
    # "tags" 4 + list (3 + 2 x (1 + 1 byte)) = 9 + 5 + 3 + 11
    item = {"pk": {"S": "PHONE#1"}, "n": {"N": "123.45"}, "ok": {"BOOL": True}, "tags": {"L": [{"S": "a"}, {"S": "b"}]}}
    assert item_size(item) == 9 + 5 + 3 + 11


def test_an_index_query_is_reads_only_never_index_writes() -> None:
    """Regression: a Query on an index reported its index's read units as index *writes* too, so
    ``make cost`` printed a page listing as "-1.5 + 1.5 = 0" write units."""
    meter = CapacityMeter()
    query = type("Model", (), {"name": "Query"})()
    consumed = {"CapacityUnits": 1.5, "GlobalSecondaryIndexes": {"by_number": {"CapacityUnits": 1.5}}}
    params = {"TableName": TABLE, "IndexName": "by_number", "KeyConditionExpression": "gsi1pk = :v"}
    meter._record({"ConsumedCapacity": consumed}, query, {"cost_params": params})
    [call] = meter.calls
    assert (call.read, call.write, call.reported_index) == (1.5, 0.0, 0.0)
