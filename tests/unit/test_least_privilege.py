"""Each function's IAM policy in template.yaml against the requests its code really sends.

One journey drives every function the way clients do (its handler with events, on moto), plus the
paths that only races and crashes reach (a counter moved mid-create, a claim left by a crashed
create). Every DynamoDB call is recorded under the function that made it and judged by that
function's statements as IAM judges them (:mod:`tests.iam_policy`). A call the policy refuses fails
the test; so does a grant no call used, unless it is listed in :data:`NOT_EXERCISED` with why.
"""

from __future__ import annotations

from collections import defaultdict
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import botocore.client
import botocore.signers
import pytest

from devserver.template import resources
from tests.iam_policy import Request, allowed, granted, requests_of
from tests.unit.least_privilege_journey import as_function, journey

# The journey ends by publishing the table's stream of all it did (the change-event publisher).
pytestmark = pytest.mark.stream
FUNCTIONS = resources("AWS::Serverless::Function")

# Granted from reading the code, on paths the journey does not take: finishing a claim left by a
# crashed create (ADOPTING: any function whose resolver may write; exercised here through
# create_customer, update_customer, login and verify_otp), re-reads after a lost race or a cancelled
# transaction, reference kinds not sent (RESOLVING), a first use that creates the counter, staff-only
# branches (a staff password rehash, a staff reset), merges with moved bookings, and the backfill's
# merge/staff/booking branches (its end-to-end run is tests/integration/test_backfill.py).
ADOPTING = {
    ("dynamodb:GetItem", "COUNTER#customer_number"),
    ("dynamodb:PutItem", "COUNTER#customer_number"),
    ("dynamodb:PutItem", "NUMBER#*"),
    ("dynamodb:PutItem", "PHONE#*"),
    ("dynamodb:UpdateItem", "COUNTER#customer_number"),
    ("dynamodb:UpdateItem", "PHONE#*"),
    ("dynamodb:UpdateItem", "STATS#*"),
}
RESOLVING = {("dynamodb:GetItem", f"{prefix}#*") for prefix in ("CUSTOMER", "EMAIL", "LEGACY", "NUMBER")}
# Two subsets that many functions leave unexercised: resolving a customer id, email or legacy id
# (the journey sends numbers and phones), and giving an adopted claim its number.
RESOLVING_BY_ID_EMAIL_LEGACY = RESOLVING - {("dynamodb:GetItem", "NUMBER#*")}
ADOPTING_A_NUMBER = {
    ("dynamodb:GetItem", "COUNTER#customer_number"),
    ("dynamodb:PutItem", "COUNTER#customer_number"),
    ("dynamodb:PutItem", "NUMBER#*"),
    ("dynamodb:UpdateItem", "COUNTER#customer_number"),
}
assert ADOPTING_A_NUMBER <= ADOPTING
NOT_EXERCISED: dict[str, set[tuple[str, str]]] = {
    "CreateCustomerFunction": (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")}) | {("dynamodb:GetItem", "PHONE#*")},
    "UpdateCustomerFunction": RESOLVING_BY_ID_EMAIL_LEGACY | {("dynamodb:UpdateItem", "EMAIL#*")},
    "ListCustomersFunction": {
        ("dynamodb:Query", "table/index/by_delivery_person"),
        ("dynamodb:Query", "table/index/by_number"),
    },
    "SetNextCustomerNumberFunction": (ADOPTING & {("dynamodb:PutItem", "COUNTER#customer_number")}),
    "CreateBookingFunction": (
        ADOPTING & {("dynamodb:GetItem", "COUNTER#customer_number"), ("dynamodb:PutItem", "COUNTER#customer_number")}
    )
    | (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*"), ("dynamodb:GetItem", "EMAIL#*")})
    | {("dynamodb:GetItem", "IDEMPOTENCY#create_booking"), ("dynamodb:PutItem", "EMAIL#*")},
    "ListCustomerBookingsFunction": RESOLVING_BY_ID_EMAIL_LEGACY,
    "GetCustomerLedgerFunction": RESOLVING_BY_ID_EMAIL_LEGACY,
    "AdjustBalanceFunction": RESOLVING_BY_ID_EMAIL_LEGACY,
    # the journey releases by number a customer without an email: its email marker follows the phone otherwise
    # proving a customer whose phone was never verified marks it verified (a counted login): the journey's was
    "ProveRecycledFunction": {("dynamodb:PutItem", "PHONE#*"), ("dynamodb:UpdateItem", "STATS#*")},
    # the contended create and a first counter (as every create), and an idle customer with an email
    # (its marker follows it to its new home): the journey's has none
    "StartRecycledFunction": (
        ADOPTING & {("dynamodb:GetItem", "COUNTER#customer_number"), ("dynamodb:PutItem", "COUNTER#customer_number")}
    )
    | {("dynamodb:UpdateItem", "EMAIL#*")},
    "ReleasePhoneFunction": (RESOLVING & {("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*")})
    | {("dynamodb:UpdateItem", "EMAIL#*")},
    "UpdateBookingFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:PutItem", "PHONE#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
        }
    ),
    "VerifyOtpFunction": (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")})
    | {("dynamodb:GetItem", "PHONE#*"), ("dynamodb:PutItem", "EMAIL#*")},
    # a customer without a phone signing in by email records its activity there (once a day)
    "LoginFunction": (RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")})
    | {("dynamodb:UpdateItem", "STAFF#*"), ("dynamodb:UpdateItem", "CUSTOMER#*")},
    # the authoritative customer-id marker: read when an email marker's phone hint went stale
    "ForgotPasswordWorkerFunction": RESOLVING & {("dynamodb:GetItem", "CUSTOMER#*")},
    "ResetPasswordFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:PutItem", "PHONE#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
            ("dynamodb:UpdateItem", "STATS#*"),
        }
    ),
    "SetCredentialsFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
            ("dynamodb:UpdateItem", "PHONE#*"),
        }
    )
    | {
        ("dynamodb:DeleteItem", "EMAIL#*"),
        ("dynamodb:DeleteItem", "LOGIN#*"),
        ("dynamodb:GetItem", "LOGIN#*"),
        ("dynamodb:GetItem", "STAFF#*"),
        ("dynamodb:PutItem", "STAFF#*"),
        ("dynamodb:UpdateItem", "STAFF#*"),
    },
    "ListStaffFunction": {("dynamodb:Query", "table/index/by_number")},
    "UpdateStaffFunction": {("dynamodb:ConditionCheckItem", "STAFF#*")},
    "ListReviewFunction": {
        ("dynamodb:Query", "table/index/by_area"),
        ("dynamodb:Query", "table/index/by_delivery_person"),
        ("dynamodb:Query", "table/index/by_number"),
    },
    "ResolveReviewFunction": (
        ADOPTING
        & {
            ("dynamodb:GetItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "COUNTER#customer_number"),
            ("dynamodb:PutItem", "NUMBER#*"),
            ("dynamodb:UpdateItem", "COUNTER#customer_number"),
            ("dynamodb:UpdateItem", "PHONE#*"),
        }
    )
    | RESOLVING_BY_ID_EMAIL_LEGACY
    | {("dynamodb:PutItem", "EMAIL#*")},
    "MergeCustomerFunction": ADOPTING_A_NUMBER
    | RESOLVING_BY_ID_EMAIL_LEGACY
    | {
        ("dynamodb:BatchGetItem", "MERGE#*"),
        ("dynamodb:DeleteItem", "CUSTOMER#*"),
        ("dynamodb:UpdateItem", "BOOKING#*"),
        ("dynamodb:PutItem", "REVIEW#*"),  # a price_conflict: the journey's customers have no custom prices
    },
    "ListLegacyRecordsFunction": RESOLVING_BY_ID_EMAIL_LEGACY,
    "ListMergesFunction": RESOLVING_BY_ID_EMAIL_LEGACY | {("dynamodb:GetItem", "MERGE#*")},
    "UndoMergeFunction": ADOPTING_A_NUMBER
    | (
        RESOLVING
        & {("dynamodb:GetItem", "EMAIL#*"), ("dynamodb:GetItem", "LEGACY#*"), ("dynamodb:GetItem", "NUMBER#*")}
    )
    | {
        ("dynamodb:DeleteItem", "CUSTOMER#*"),
        ("dynamodb:PutItem", "CUSTOMER#*"),
        ("dynamodb:UpdateItem", "BOOKING#*"),
        ("dynamodb:PutItem", "REVIEW#*"),  # dismissing an open price_conflict (none in the journey)
    },
    "GetAuditFunction": {("dynamodb:BatchGetItem", "CUSTOMER#*")},  # an example customer without a phone
    "ExportCustomersFunction": {
        ("dynamodb:Query", "table/index/by_area"),
        ("dynamodb:Query", "table/index/by_number"),
        ("dynamodb:BatchGetItem", "CUSTOMER#*"),  # a customer whose phone was released lives under its id
    },
    "BackfillPlanFunction": (ADOPTING & {("dynamodb:PutItem", "COUNTER#customer_number")}),
    "BackfillWriteFunction": (ADOPTING & {("dynamodb:UpdateItem", "PHONE#*")})
    | {
        ("dynamodb:BatchWriteItem", "BOOKING#*"),
        ("dynamodb:BatchWriteItem", "CUSTOMER#*"),
        ("dynamodb:BatchWriteItem", "EMAIL#*"),
        ("dynamodb:BatchWriteItem", "MERGE#*"),
        ("dynamodb:BatchWriteItem", "NUMBER#*"),
        ("dynamodb:GetItem", "PHONE#*"),
        ("dynamodb:PutItem", "BOOKING#*"),
        ("dynamodb:PutItem", "EMAIL#*"),
        ("dynamodb:PutItem", "LEGACY#*"),
        ("dynamodb:PutItem", "MERGE#*"),
        ("dynamodb:PutItem", "STAFF#*"),
    },
    "StartAliasCheckFunction": {("dynamodb:GetItem", "SESSION#*")},  # started without its handler
    "EndCustomerSessionsFunction": RESOLVING_BY_ID_EMAIL_LEGACY,
    "ListCustomerSessionsFunction": RESOLVING_BY_ID_EMAIL_LEGACY,
    "AuditAliasCheckFunction": {("dynamodb:PutItem", "AUDIT#alias_check")},
    # Lambda's event source mapping reads the stream with the function's role; its code never does.
    "PublishEventsFunction": {
        (action, "IdentityTable.StreamArn")
        for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")
    }
    | {("dynamodb:ListStreams", "*")},
}


@pytest.fixture
def recorded(invoke, lambda_queue, outbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """Runs the journey; {"requests": {function: [Request]}}. Asynchronous invocations (the reset
    worker) run under their own function's name."""
    recorder: dict[str, Any] = {"current": None, "requests": defaultdict(list), "after": {}}
    lambda_queue.around = lambda name: as_function(recorder, name)
    original = botocore.client.BaseClient._make_api_call

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        function = recorder["current"]
        if function is not None:
            found = requests_of(client.meta.service_model.service_name, operation, params)
            # The local outbox sender (tests only; deployed functions send with SNS and SES) is left out.
            recorder["requests"][function] += [
                r for r in found if not any(key.startswith("OUTBOX#") for key in r.leading_keys)
            ]
        response = original(client, operation, params)
        staged = recorder["after"].pop(operation, None)
        if staged is not None:
            with as_function(recorder, None):
                staged()
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    presign = botocore.signers.RequestSigner.generate_presigned_url

    def signed(signer: Any, request_dict: dict[str, Any], operation_name: str, *args: Any, **options: Any) -> str:
        """A presigned S3 link is authorized, when used, as its signer's request."""
        function = recorder["current"]
        if function is not None:
            url = urlsplit(request_dict["url"])
            bucket, key = url.hostname.partition(".s3")[0], unquote(url.path.lstrip("/"))  # type: ignore[union-attr]
            recorder["requests"][function] += requests_of("s3", operation_name, {"Bucket": bucket, "Key": key})
        return presign(signer, request_dict, operation_name, *args, **options)

    monkeypatch.setattr(botocore.signers.RequestSigner, "generate_presigned_url", signed)
    journey(recorder, invoke, outbox, tmp_path)
    return recorder


def test_every_request_of_every_function_is_allowed_by_its_policy(recorded: dict[str, Any]) -> None:
    parameters = {"EmailFrom": "no-reply@example.com", "Domain": "example.com"}
    refused = [
        (function, request)
        for function, requests in recorded["requests"].items()
        for request in requests
        if not allowed(FUNCTIONS[function]["Properties"].get("Policies", []), request, parameters)
    ]
    assert not refused, "\n".join(f"{f}: {r}" for f, r in refused)


def used(requests: list[Request]) -> set[tuple[str, str]]:
    """The (action, pattern-or-index) grants ``requests`` needed, in the template's terms."""
    return {(r.action, key) for r in requests for key in (r.leading_keys or (r.resource,))}


def test_every_grant_is_used_by_the_journey_or_named_as_reached_otherwise(recorded: dict[str, Any]) -> None:
    for function, resource in FUNCTIONS.items():
        grants = granted(resource["Properties"].get("Policies", []))
        calls = used(recorded["requests"].get(function, []))
        unused = {
            (action, target)
            for action, target in grants
            if not any(a == action and fnmatchcase(key, target) for a, key in calls)
        }
        assert unused <= NOT_EXERCISED.get(function, set()), (
            function,
            sorted(unused - NOT_EXERCISED.get(function, set())),
        )
        assert NOT_EXERCISED.get(function, set()) <= grants, (function, "names a grant it does not have")
