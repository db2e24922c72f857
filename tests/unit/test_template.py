"""template.yaml is the single source of the table, the routes and the layer."""

import re
from pathlib import Path

from customer_identity.storage.entities import TableItem
from devserver.template import (
    PROJECT_ROOT,
    function_environment,
    functions,
    load_template,
    resources,
    routes,
    table_definition,
)
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
    modelled_projections = {index["index_name"]: index["projection"] for index in schema["global_secondary_indexes"]}
    linkage = {"by_missing_linkage"}  # the audit's examples: only what an example shows
    for name in linkage:
        assert set(projections[name]["NonKeyAttributes"]) >= {"entity", "customer_id", "customer_number", "name"}
    # Every other index: keys, `entity` and what its filters read (pages are hydrated), as modelled.
    for name in projections.keys() - linkage:
        assert projections[name]["ProjectionType"] == "INCLUDE" and "entity" in projections[name]["NonKeyAttributes"]
        assert projections[name] == modelled_projections[name], name


READERS = {
    "GetCustomerFunction",
    "ListCustomersFunction",
    "ListCustomerBookingsFunction",
    "GetMeFunction",
    "ListMergesFunction",
    "ListLegacyRecordsFunction",
    "ListCustomerSessionsFunction",
    "GetCustomerNumbersFunction",
    "ListStaffFunction",
    "GetAuditFunction",
    "ListReviewFunction",
    "GetStatsFunction",
    "GetMonthlyStatsFunction",
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
            if targets == ["IdentityTable.StreamArn"] or targets == ["*"]:  # the stream's readers
                assert name == "PublishEventsFunction", name
                assert set(as_list(statement["Action"])) <= STREAM_READS, name
                assert targets == ["IdentityTable.StreamArn"] or statement["Action"] == "dynamodb:ListStreams"
            elif as_list(statement["Action"]) == ["dynamodb:Scan"]:
                assert "Condition" not in statement, name
            elif targets == ["table"]:
                keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                assert keys and all(k.endswith("*") or k in FIXED_PARTITIONS for k in keys), name
                assert "dynamodb:Scan" not in as_list(statement["Action"]), name
            else:
                assert statement["Action"] == "dynamodb:Query", name
                assert all(re.fullmatch(r"table/index/\w+", t) for t in targets), name


STREAM_READS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}
FIXED_PARTITIONS = {"COUNTER#customer_number", "AUDIT#alias_check", "IDEMPOTENCY#create_booking", "RUNS#backfill"}


def test_sms_only_to_phone_numbers_and_email_only_from_the_configured_sender() -> None:
    functions = resources("AWS::Serverless::Function")
    parameters = {"EmailFrom": "no-reply@example.com", "Domain": "example.com"}
    senders = {name for name, f in functions.items() if "sns:" in str(f["Properties"].get("Policies"))}
    assert senders == {"RequestOtpFunction", "ForgotPasswordWorkerFunction"}
    for name in senders:
        policies = functions[name]["Properties"]["Policies"]
        assert allowed(policies, Request("sns:Publish", "*"), parameters)  # a phone number
        topic = "arn:aws:sns:us-east-1:123456789012:anything"
        assert not allowed(policies, Request("sns:Publish", topic), parameters), name
    mailers = {name for name, f in functions.items() if "ses:" in str(f["Properties"].get("Policies"))}
    assert mailers == {"ForgotPasswordWorkerFunction", "SetCredentialsFunction", "ProveRecycledFunction"}
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


def test_the_stage_is_throttled_and_each_auth_route_more_tightly() -> None:
    template = load_template()
    settings = template["Resources"]["IdentityApi"]["Properties"]["MethodSettings"]
    by_path = {(s["ResourcePath"], s["HttpMethod"]): s for s in settings}
    everything = by_path[("/*", "*")]
    assert everything["ThrottlingRateLimit"] == {"Ref": "ThrottleRateLimit"}
    assert everything["ThrottlingBurstLimit"] == {"Ref": "ThrottleBurstLimit"}
    # Refreshing and signing out guess nothing, send nothing and hash nothing, and every signed-in client
    # refreshes: they keep the stage's limits (WAF's per-IP rule still covers them).
    sessions = {("/auth/refresh", "POST"), ("/auth/logout", "POST")}
    auth = {(r.path, r.method) for r in routes() if r.path.startswith("/auth/")} - sessions
    assert len(auth) == 7  # login, codes, resets, and the recycling guard's proofs
    assert not {("/" + path.replace("/", "~1"), method) for path, method in sessions} & set(by_path)
    for path, method in auth:
        limits = by_path[("/" + path.replace("/", "~1"), method)]
        assert limits["ThrottlingRateLimit"] == {"Ref": "AuthThrottleRateLimit"}, path
        assert limits["ThrottlingBurstLimit"] == {"Ref": "AuthThrottleBurstLimit"}, path
    params = template["Parameters"]
    assert params["AuthThrottleRateLimit"]["Default"] < params["ThrottleRateLimit"]["Default"]
    assert params["AuthThrottleBurstLimit"]["Default"] < params["ThrottleBurstLimit"]["Default"]


def test_waf_limits_auth_requests_per_client_ip_when_enabled_which_is_the_default() -> None:
    template = load_template()
    assert template["Parameters"]["EnableWaf"]["Default"] == "true"
    assert template["Conditions"]["WafEnabled"] == {"Fn::Equals": [{"Ref": "EnableWaf"}, "true"]}
    acl = resources("AWS::WAFv2::WebACL")["AuthRateLimitAcl"]
    association = resources("AWS::WAFv2::WebACLAssociation")["AuthRateLimitAclAssociation"]
    assert acl["Condition"] == association["Condition"] == "WafEnabled"
    assert "IdentityApi" in association["Properties"]["ResourceArn"]["Fn::Sub"]
    (rule,) = acl["Properties"]["Rules"]
    assert rule["Action"] == {"Block": {}}
    limit = rule["Statement"]["RateBasedStatement"]
    assert limit["AggregateKeyType"] == "IP" and limit["Limit"] == {"Ref": "WafAuthRequestsPer5Minutes"}
    pattern = re.compile(limit["ScopeDownStatement"]["RegexMatchStatement"]["RegexString"])
    for path in ("/prod/auth/login", "/auth/otp/request", "/prod/auth/password/forgot"):
        assert pattern.search(path), path
    for path in ("/prod/customers", "/prod/customers/auth/bookings", "/prod/me"):
        assert not pattern.search(path), path


HASHING = {"LoginFunction", "ResetPasswordFunction", "SetCredentialsFunction", "CreateStaffFunction"}


def test_the_password_hashing_functions_have_reserved_concurrency_and_only_they() -> None:
    for name, function in resources("AWS::Serverless::Function").items():
        reserved = function["Properties"].get("ReservedConcurrentExecutions")
        assert reserved == ({"Ref": "HashingReservedConcurrency"} if name in HASHING else None), name
    # Every function built on a use case that hashes or verifies passwords (argon2id) is one of them.
    for function in functions():
        source = (function.code_dir / "app.py").read_text()
        if any(f"runtime.{use_case}()" in source for use_case in ("password_sign_in", "credentials", "staff")):
            assert function.function in HASHING, function.function


def test_cors_origins_are_a_parameter_empty_by_default_and_every_path_answers_its_preflight() -> None:
    template = load_template()
    assert template["Parameters"]["AllowedOrigins"] == {
        **template["Parameters"]["AllowedOrigins"],
        "Type": "CommaDelimitedList",
        "Default": "",
    }
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["ALLOWED_ORIGINS"] == {"Fn::Join": [",", {"Ref": "AllowedOrigins"}]}
    preflight = resources("AWS::Serverless::Function")["CorsPreflightFunction"]["Properties"]
    options = {(e["Properties"]["Path"], e["Properties"]["Method"]) for e in preflight["Events"].values()}
    # The console's static files are same-origin pages, not an API for other origins: no preflight.
    api_paths = {route.path for route in routes() if not route.path.startswith("/console")}
    assert options == {(path, "options") for path in api_paths}


def test_every_log_group_is_declared_with_the_retention_parameter() -> None:
    template = load_template()
    assert template["Parameters"]["LogRetentionDays"]["Default"] == 30
    groups = resources("AWS::Logs::LogGroup")
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())
    named = {g["Properties"]["LogGroupName"].get("Fn::Sub") for g in groups.values()}
    for name in resources("AWS::Serverless::Function"):
        assert f"/aws/lambda/${{{name}}}" in named, name


def test_alarms_watch_5xx_4xx_lambda_errors_and_throttles_and_notify_the_topic_if_given() -> None:
    alarms = resources("AWS::CloudWatch::Alarm")
    watched = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms.values()}
    assert watched == {
        ("AWS/ApiGateway", "5XXError"),
        ("AWS/ApiGateway", "4XXError"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),  # the event publisher's dead letters
        ("AWS/Lambda", "IteratorAge"),  # the event publisher falling behind
    }
    only_if_given = {"Fn::If": ["AlarmTopicGiven", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == only_if_given
    assert load_template()["Parameters"]["AlarmTopicArn"]["Default"] == ""


def test_a_new_signing_key_version_reaches_every_function() -> None:
    template = load_template()
    assert template["Parameters"]["SigningKeyVersion"]["Type"] == "String"
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["SIGNING_KEY_VERSION"] == {"Ref": "SigningKeyVersion"}


def test_the_functions_environment_at_parameter_defaults_is_a_valid_configuration() -> None:
    from customer_identity.core.settings import Settings, load_settings

    env = function_environment()
    assert env["ALLOWED_ORIGINS"] == "" and env["SIGNING_KEY_VERSION"] == "1"
    settings = load_settings(**{k.lower(): v for k, v in env.items() if k.lower() in Settings.model_fields})
    assert settings.cors_origins == ()


def test_change_events_come_from_the_stream_retried_in_order_with_a_watched_dead_letter_queue() -> None:
    template = load_template()["Resources"]
    assert template["IdentityTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    mapping = template["PublishEventsFromTableStream"]["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": "IdentityTable.StreamArn"}
    assert mapping["FunctionName"] == {"Ref": "PublishEventsFunction"}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and mapping["BisectBatchOnFunctionError"]
    assert mapping["ParallelizationFactor"] == 1  # one batch at a time per shard: in order per item
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": "PublishEventsDeadLetterQueue.Arn"
    }
    alarm = template["PublishEventsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": "PublishEventsDeadLetterQueue.QueueName"}
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    publisher = template["PublishEventsFunction"]["Properties"]
    assert "Events" not in publisher  # SAM would add a managed policy reading every stream
    grants = {s["Sid"]: s for s in statements(publisher["Policies"])}
    assert grants["PutEventsOnTheIdentityBusOnly"]["Resource"] == {"Fn::GetAtt": "EventBus.Arn"}
    assert grants["DescribeFailedBatchesOnTheDeadLetterQueue"]["Resource"] == {
        "Fn::GetAtt": "PublishEventsDeadLetterQueue.Arn"
    }
    rule = template["CustomerMergedRule"]["Properties"]
    assert rule["EventPattern"] == {"source": ["customer-identity"], "detail-type": ["customer.merged"]}
    assert rule["EventBusName"] == {"Ref": "EventBus"}
