"""template.yaml is the single source of the table, the routes and the layer."""

import re
from pathlib import Path

from customer_identity.storage.entities import TableItem
from devserver.template import PROJECT_ROOT, load_template, resources, routes, table_definition


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


def test_every_function_is_python_3_12_with_the_layer_and_a_narrow_policy() -> None:
    template = load_template()
    assert template["Globals"]["Function"]["Runtime"] == "python3.12"
    key = "AWSSecretsManagerGetSecretValuePolicy"
    readers = {
        "GetCustomerFunction",
        "ListCustomersFunction",
        "ListCustomerBookingsFunction",
        "GetMeFunction",
        "ListMergesFunction",
        "GetCustomerNumbersFunction",
        "ListStaffFunction",
        "GetAuditFunction",
        "ListReviewFunction",
    }
    # Narrower than DynamoDBCrudPolicy: exactly these policy kinds and these actions on the table itself.
    lambda_invoke = "LambdaInvokePolicy"
    narrow = {
        "UpdateStaffFunction": (
            {"Statement", key},
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"},
        ),
        # the counter shards, and the per-request staff token check (one GetItem of the account)
        "GetStatsFunction": ({"Statement", key}, {"dynamodb:BatchGetItem", "dynamodb:GetItem"}),
        "StartAliasCheckFunction": ({"Statement", lambda_invoke, key}, {"dynamodb:GetItem", "dynamodb:PutItem"}),
        "AuditAliasCheckFunction": (  # a background worker: no token key
            {"Statement", lambda_invoke},
            {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan", "dynamodb:PutItem", "dynamodb:UpdateItem"},
        ),
        # public, and reads nothing (so it cannot tell accounts apart): it only queues the worker
        "ForgotPasswordFunction": ({lambda_invoke}, set()),
        "ForgotPasswordWorkerFunction": (  # limits, account look-up, reset token, message; no token key
            {"Statement"},
            {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "sns:Publish", "ses:SendEmail"},
        ),
    }
    senders = {
        "RequestOtpFunction": {"sns:Publish"},
        "SetCredentialsFunction": {"ses:SendEmail"},
    }
    for name, function in resources("AWS::Serverless::Function").items():
        policies = function["Properties"].get("Policies", [])
        kinds = {next(iter(policy)) for policy in policies}
        actions = {
            action
            for policy in policies
            for statement in policy.get("Statement", [])
            for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        }
        if name.startswith("Backfill"):  # state machine tasks: the table and the export bucket, no token key
            assert kinds == {"DynamoDBCrudPolicy", "S3CrudPolicy"}, name
        elif name == "ExportCustomersFunction":  # reads the table, writes only its own exports
            assert kinds == {"DynamoDBReadPolicy", key, "Statement"}, name
            assert actions == {"s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"}, name
        elif name in readers:
            assert kinds == {"DynamoDBReadPolicy", key}, name
        elif name == "HealthFunction":
            assert kinds == set(), name
        elif name in narrow:
            assert (kinds, actions) == narrow[name], name
        elif name in senders:
            assert kinds == {"DynamoDBCrudPolicy", key, "Statement"} and actions == senders[name], name
        else:
            assert kinds == {"DynamoDBCrudPolicy", key}, name
        assert (PROJECT_ROOT / function["Properties"]["CodeUri"] / "app.py").exists()


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


def test_the_forgot_function_invokes_exactly_its_worker() -> None:
    functions = resources("AWS::Serverless::Function")
    forgot = functions["ForgotPasswordFunction"]["Properties"]
    assert forgot["Policies"] == [{"LambdaInvokePolicy": {"FunctionName": {"Ref": "ForgotPasswordWorkerFunction"}}}]
    assert forgot["Environment"]["Variables"]["RESET_WORKER_FUNCTION"] == {"Ref": "ForgotPasswordWorkerFunction"}
    assert "Events" not in functions["ForgotPasswordWorkerFunction"]["Properties"]  # no route: invoked only


def test_the_sms_parameters_reach_every_function_that_sends_sms_with_the_settings_defaults() -> None:
    from customer_identity.core.settings import Settings

    template = load_template()
    parameters = template["Parameters"]
    variables = {"SMS_COUNTRIES": "SmsCountries", "SMS_PER_IP_PER_MINUTE": "SmsPerIpPerMinute"}
    variables["SMS_GLOBAL_PER_MINUTE"] = "SmsGlobalPerMinute"
    for name in ("RequestOtpFunction", "ForgotPasswordWorkerFunction"):
        environment = resources("AWS::Serverless::Function")[name]["Properties"]["Environment"]["Variables"]
        assert {key: environment.get(key) for key in variables} == {k: {"Ref": v} for k, v in variables.items()}, name
    # make run passes no function's own variables: the settings' defaults must be the template's
    defaults = Settings.model_fields
    assert parameters["SmsCountries"]["Default"] == "" and defaults["sms_countries"].default == ()
    assert parameters["SmsPerIpPerMinute"]["Default"] == defaults["sms_per_ip_per_minute"].default
    assert parameters["SmsGlobalPerMinute"]["Default"] == defaults["sms_global_per_minute"].default
