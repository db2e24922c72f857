"""What IAM would decide for the requests a function sends, judged by the policies ``template.yaml`` gives it.

:func:`requests_of` turns one botocore call into the IAM requests it is authorized as (a transaction
is one request per item, as DynamoDB authorizes it; a batch is one request naming every partition
key). :func:`allowed` evaluates the function's hand-written statements the way IAM does for what we
use: ``Allow`` and ``Deny`` by action and resource, ``ForAllValues:StringLike`` on
``dynamodb:LeadingKeys`` (true when the request names no key, as IAM has it), ``StringEquals`` and
``StringLike`` (``s3:prefix``). S3 and Step Functions calls are judged too (a presigned link as the
request it signs); :func:`granted` lists DynamoDB grants only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

TABLE = "table"
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
_PARTITION = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}


@dataclass(frozen=True)
class Request:
    action: str  # e.g. dynamodb:GetItem
    resource: str  # "table", "table/index/<name>", or an ARN / "*" for other services
    leading_keys: tuple[str, ...] = ()  # partition key values named by the request
    context: tuple[tuple[str, str], ...] = ()  # other condition keys, e.g. ses:FromAddress


def _pk(key: dict[str, Any]) -> str:
    return key["pk"]["S"]


def _query_pk(params: dict[str, Any]) -> str:
    names, values = params.get("ExpressionAttributeNames", {}), params["ExpressionAttributeValues"]
    for name, value in re.findall(r"(#\w+)\s*=\s*(:\w+)", params["KeyConditionExpression"]):
        if names.get(name, name).endswith("pk"):
            return values[value]["S"]
    raise AssertionError(f"no partition key in {params['KeyConditionExpression']!r}")


def requests_of(service: str, operation: str, params: dict[str, Any]) -> list[Request]:
    """The IAM requests one API call is authorized as."""
    if service == "sns":
        return [Request("sns:Publish", params.get("TopicArn") or params.get("TargetArn") or "*")]
    if service in ("ses", "sesv2"):
        sender = params.get("FromEmailAddress") or params.get("Source") or ""
        identity = f"arn:aws:ses:us-east-1:123456789012:identity/{sender}"
        return [Request(f"ses:{operation}", identity, context=(("ses:FromAddress", sender),))]
    if service == "events":
        return [
            Request(f"events:{operation}", f"arn:aws:events:us-east-1:123456789012:event-bus/{entry['EventBusName']}")
            for entry in params["Entries"]
        ]
    if service == "s3":
        return _s3_requests(operation, params)
    if service == "stepfunctions":
        resource = params.get("stateMachineArn") or params.get("executionArn") or "*"
        return [Request(f"states:{operation}", resource)]
    if service != "dynamodb":
        return []
    action = f"dynamodb:{operation}"
    if operation == "TransactWriteItems":
        return [
            Request(f"dynamodb:{_TRANSACT[kind]}", TABLE, (_pk(body.get("Key") or body["Item"]),))
            for item in params["TransactItems"]
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [Request("dynamodb:GetItem", TABLE, (_pk(item["Get"]["Key"]),)) for item in params["TransactItems"]]
    if operation == "BatchGetItem":
        return [Request(action, TABLE, tuple(_pk(k) for spec in params["RequestItems"].values() for k in spec["Keys"]))]
    if operation == "BatchWriteItem":
        return [
            Request(
                action, TABLE, tuple(_pk(r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"]) for r in rs)
            )
            for rs in params["RequestItems"].values()
        ]
    if operation in ("GetItem", "UpdateItem", "DeleteItem"):
        return [Request(action, TABLE, (_pk(params["Key"]),))]
    if operation == "PutItem":
        return [Request(action, TABLE, (_pk(params["Item"]),))]
    if operation == "Query":
        if params.get("IndexName"):  # LeadingKeys is the table's partition key; an index query names none
            return [Request(action, f"{TABLE}/index/{params['IndexName']}")]
        return [Request(action, TABLE, (_query_pk(params),))]
    return [Request(action, f"{TABLE}/index/{params['IndexName']}" if params.get("IndexName") else TABLE)]


_S3_OBJECT_ACTIONS = {
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
}


def _s3_requests(operation: str, params: dict[str, Any]) -> list[Request]:
    """S3 as IAM authorizes it: object actions on ``arn:aws:s3:::bucket/key``; a listing is
    ``s3:ListBucket`` on the bucket with its ``s3:prefix``."""
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    if operation in ("ListObjectsV2", "ListObjects"):
        return [Request("s3:ListBucket", bucket, context=(("s3:prefix", params.get("Prefix", "")),))]
    return [Request(_S3_OBJECT_ACTIONS[operation], f"{bucket}/{params['Key']}")]


# Resources of other stacks' names, as the tests' moto account names them (the Stage parameter at its default).
_NAMED = {
    "BackfillBucket.Arn": "arn:aws:s3:::backfill-unit",
    "BackfillStateMachine": "arn:aws:states:us-east-1:123456789012:stateMachine:customer-identity-backfill-prod",
}


def resource_pattern(value: Any) -> str:
    """A statement's resource as a pattern over :class:`Request` resources."""
    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        target = target if isinstance(target, str) else ".".join(target)
        if target == "EventBus.Arn":  # the bus the template names, at the Stage parameter's default
            return "arn:aws:events:us-east-1:123456789012:event-bus/customer-identity-events-prod"
        return TABLE if target == "IdentityTable.Arn" else _NAMED.get(target, target)
    if "Ref" in value and value["Ref"] in _NAMED:
        return _NAMED[value["Ref"]]
    if "Fn::Sub" in value:
        text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
        variables = {} if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][1]
        text = text.replace("${IdentityTable.Arn}", TABLE)
        text = text.replace("${BackfillBucket.Arn}", _NAMED["BackfillBucket.Arn"])
        for name, replacement in {**_PARTITION, "Stage": "prod", "EmailFrom": "{EmailFrom}"}.items():
            text = text.replace(f"${{{name}}}", replacement)
        for name in variables:
            text = text.replace(f"${{{name}}}", f"{{{name}}}")
        return text
    raise AssertionError(f"unexpected resource {value!r}")


def statements(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [statement for policy in policies for statement in policy.get("Statement", [])]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(statement: dict[str, Any], request: Request, parameters: dict[str, str]) -> bool:
    if request.action not in as_list(statement["Action"]):
        return False
    patterns = [resource_pattern(r).format(**parameters) for r in as_list(statement["Resource"])]
    if not any(fnmatchcase(request.resource, pattern) for pattern in patterns):
        return False
    context = dict(request.context)
    for operator, conditions in statement.get("Condition", {}).items():
        for key, expected in conditions.items():
            expected = [parameters.get(v["Ref"], v) if isinstance(v, dict) else v for v in as_list(expected)]
            if operator == "ForAllValues:StringLike":
                assert key == "dynamodb:LeadingKeys", key
                if not all(any(fnmatchcase(v, p) for p in expected) for v in request.leading_keys):
                    return False
            elif operator == "StringEquals":
                if context.get(key) not in expected:
                    return False
            elif operator == "StringLike":
                if not any(fnmatchcase(context.get(key, ""), pattern) for pattern in expected):
                    return False
            else:
                raise AssertionError(f"condition operator {operator} not modelled")
    return True


def allowed(policies: list[dict[str, Any]], request: Request, parameters: dict[str, str]) -> bool:
    found = statements(policies)
    if any(s["Effect"] == "Deny" and _matches(s, request, parameters) for s in found):
        return False
    return any(s["Effect"] == "Allow" and _matches(s, request, parameters) for s in found)


def granted(policies: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Every (DynamoDB action, LeadingKeys pattern or index resource) the policies allow."""
    pairs = set()
    for statement in statements(policies):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            if not action.startswith("dynamodb:"):
                continue
            keys = statement.get("Condition", {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
            for resource in as_list(statement["Resource"]):
                for target in keys or [resource_pattern(resource)]:
                    pairs.add((action, target))
    return pairs
