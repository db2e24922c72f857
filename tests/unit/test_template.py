"""template.yaml is the single source of the table, the routes and the layer."""

import re
from pathlib import Path

from customer_identity.storage.entities import TableItem
from devserver.template import PROJECT_ROOT, load_template, resources, routes, table_definition
from tests.iam_policy import Request, allowed, as_list, resource_pattern, statements


def test_the_entities_use_exactly_the_keys_and_indexes_the_template_deploys() -> None:
    definition = table_definition()
    schema = TableItem._get_schema()
    assert {k["AttributeName"]: k["KeyType"] for k in definition["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    deployed = {
        index["IndexName"]: {k["AttributeName"]: k["KeyType"] for k in index["KeySchema"]}
        for index in definition["GlobalSecondaryIndexes"]
    }
    modelled = {
        index["index_name"]: {k["AttributeName"]: k["KeyType"] for k in index["key_schema"]}
        for index in schema["global_secondary_indexes"]
    }
    assert deployed == modelled
    projections = {index["IndexName"]: index["Projection"] for index in definition["GlobalSecondaryIndexes"]}
    linkage = {"by_missing_login", "by_missing_email"}  # the audit's examples: only what an example shows
    assert all(projections[name]["ProjectionType"] == "ALL" for name in projections.keys() - linkage)
    for name in linkage:
        assert set(projections[name]["NonKeyAttributes"]) >= {"entity", "customer_id", "customer_number", "name"}


READERS = {
    "GetCustomerFunction",
    "ListCustomersFunction",
    "ListCustomerBookingsFunction",
    "GetMeFunction",
    "ListMergesFunction",
    "GetCustomerNumbersFunction",
    "ListStaffFunction",
    "GetAuditFunction",
    "ListReviewFunction",
    "GetStatsFunction",
    "ExportCustomersFunction",
}
DYNAMODB_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "ConditionCheckItem", "PartiQLUpdate"}


def dynamodb_statements(function: dict) -> list[dict]:
    return [s for s in statements(function["Properties"].get("Policies", [])) if "dynamodb:" in str(s["Action"])]


def test_every_function_is_python_3_12_with_the_layer_and_hand_written_statements() -> None:
    template = load_template()
    assert template["Globals"]["Function"]["Runtime"] == "python3.12"
    for name, function in resources("AWS::Serverless::Function").items():
        kinds = {next(iter(policy)) for policy in function["Properties"].get("Policies", [])}
        # SAM's DynamoDB and S3 policy templates grant far more than any function uses.
        assert kinds <= {"Statement", "AWSSecretsManagerGetSecretValuePolicy", "LambdaInvokePolicy"}, name
        assert (PROJECT_ROOT / function["Properties"]["CodeUri"] / "app.py").exists()


def test_readers_are_read_only_and_only_the_alias_check_scans_and_only_the_backfill_batch_writes() -> None:
    for name, function in resources("AWS::Serverless::Function").items():
        actions = {a.removeprefix("dynamodb:") for s in dynamodb_statements(function) for a in as_list(s["Action"])}
        if name in READERS:
            assert not actions & DYNAMODB_WRITES, name
        assert ("Scan" in actions) == (name == "AuditAliasCheckFunction"), name
        assert ("BatchWriteItem" in actions) == (name == "BackfillWriteFunction"), name
        assert "*" not in str([s["Action"] for s in dynamodb_statements(function)]), name


def test_every_item_statement_on_the_table_is_narrowed_by_leading_keys() -> None:
    """LeadingKeys is the table's partition key: it narrows item actions and table queries; a Scan
    names no key (``ForAllValues`` would pass it), and an index query is narrowed by the index ARN."""
    for name, function in resources("AWS::Serverless::Function").items():
        for statement in dynamodb_statements(function):
            targets = [resource_pattern(r) for r in as_list(statement["Resource"])]
            if as_list(statement["Action"]) == ["dynamodb:Scan"]:
                assert "Condition" not in statement, name
            elif targets == ["table"]:
                keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                assert keys and all(k.endswith("*") or k in FIXED_PARTITIONS for k in keys), name
                assert "dynamodb:Scan" not in as_list(statement["Action"]), name
            else:
                assert statement["Action"] == "dynamodb:Query", name
                assert all(re.fullmatch(r"table/index/\w+", t) for t in targets), name


FIXED_PARTITIONS = {"COUNTER#customer_number", "AUDIT#alias_check", "IDEMPOTENCY#create_booking"}


def test_sms_only_to_phone_numbers_and_email_only_from_the_configured_sender() -> None:
    functions = resources("AWS::Serverless::Function")
    parameters = {"EmailFrom": "no-reply@example.com", "Domain": "example.com"}
    senders = {name for name, f in functions.items() if "sns:" in str(f["Properties"].get("Policies"))}
    assert senders == {"RequestOtpFunction", "ForgotPasswordFunction"}
    for name in senders:
        policies = functions[name]["Properties"]["Policies"]
        assert allowed(policies, Request("sns:Publish", "*"), parameters)  # a phone number
        topic = "arn:aws:sns:us-east-1:123456789012:anything"
        assert not allowed(policies, Request("sns:Publish", topic), parameters), name
    mailers = {name for name, f in functions.items() if "ses:" in str(f["Properties"].get("Policies"))}
    assert mailers == {"ForgotPasswordFunction", "SetCredentialsFunction"}
    for name in mailers:
        policies = functions[name]["Properties"]["Policies"]
        for identity in ("no-reply@example.com", "example.com"):
            arn = f"arn:aws:ses:us-east-1:123456789012:identity/{identity}"
            assert allowed(
                policies,
                Request("ses:SendEmail", arn, context=(("ses:FromAddress", "no-reply@example.com"),)),
                parameters,
            )
            assert not allowed(
                policies, Request("ses:SendEmail", arn, context=(("ses:FromAddress", "ceo@example.com"),)), parameters
            )
        other = "arn:aws:ses:us-east-1:123456789012:identity/other.example"
        assert not allowed(
            policies, Request("ses:SendEmail", other, context=(("ses:FromAddress", "a@other.example"),)), parameters
        )


def test_routes_are_unique() -> None:
    keys = [(route.method, route.path) for route in routes()]
    assert len(keys) == len(set(keys))


def test_layer_dependencies_are_pinned() -> None:
    lines = (PROJECT_ROOT / "layers/identity/requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements and all(re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.]+$", line) for line in requirements)


def test_handlers_hold_no_domain_logic() -> None:
    for path in Path(PROJECT_ROOT / "functions").glob("*/app.py"):
        source = path.read_text()
        assert "os.environ" not in source and "boto3" not in source and "pynamodb" not in source, path


def test_the_backfill_state_machine_runs_the_definition_file_with_every_task_substituted() -> None:
    machine = resources("AWS::Serverless::StateMachine")["BackfillStateMachine"]["Properties"]
    definition = (PROJECT_ROOT / machine["DefinitionUri"]).read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", definition))
    assert placeholders == set(machine["DefinitionSubstitutions"])
    assert machine["DefinitionSubstitutions"]["MapMode"] == "DISTRIBUTED"
    tasks = {name for name in placeholders if name.endswith("FunctionArn")}
    assert {name.removesuffix("Arn") for name in tasks} <= set(resources("AWS::Serverless::Function"))
