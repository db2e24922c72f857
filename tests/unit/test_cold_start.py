"""Cold start: a function loads what it uses, and traces in AWS still hold every AWS call (issue 11).

Each test imports a handler in a fresh interpreter, with the environment Lambda gives it.
"""

import json
import os
import subprocess
import sys

import pytest

from devserver.template import PROJECT_ROOT

LAMBDA = {
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_LAMBDA_FUNCTION_NAME": "HealthFunction",
    "AWS_REGION": "eu-west-1",
    "TABLE_NAME": "identity-cold-start",
    "JWT_SIGNING_KEY": "cold-start-test-signing-key-0123456789",
    "POWERTOOLS_SERVICE_NAME": "customer-identity",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
}


def run(code: str, handler: str, *, tracing: bool, before: str = "") -> dict:
    """Import ``functions/<handler>/app.py`` as Lambda does, run ``code``, return what it printed (JSON)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "POWERTOOLS_"))}
    env |= LAMBDA | {"AWS_LAMBDA_FUNCTION_NAME": handler}
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    if not tracing:
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    path = PROJECT_ROOT / "functions" / handler / "app.py"
    script = (
        "import importlib.util, json, sys\n" + before + "\n"
        f"spec = importlib.util.spec_from_file_location('app', {str(path)!r})\n"
        "app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)\n" + code
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


LOADED = "print(json.dumps(sorted(sys.modules)))"


@pytest.mark.parametrize("handler", ["get_customer", "create_customer", "create_booking"])
def test_a_customer_function_loads_no_account_model_no_email_validator_and_no_settings_library(handler: str) -> None:
    loaded = set(run(LOADED, handler, tracing=True))
    assert "customer_identity.core.models.customers" in loaded  # what it uses
    unused = {"customer_identity.core.models.accounts", "customer_identity.core.models.merges", "email_validator"}
    assert not unused & loaded
    assert "pydantic_settings" not in loaded


def test_without_tracing_the_x_ray_recorder_is_never_imported() -> None:
    loaded = set(run(LOADED, "get_customer", tracing=False))
    # Powertools switches the SDK off through its tiny top package (aws_xray_sdk.global_sdk_config).
    assert not {module for module in loaded if module.startswith("aws_xray_sdk.")} - {"aws_xray_sdk.sdk_config"}


# Counts the AWS clients built while the handler module is imported.
COUNT_CLIENTS = """
import boto3
built = []
_client = boto3.client
boto3.client = lambda service, *args, **kwargs: built.append(service) or _client(service, *args, **kwargs)
"""


@pytest.mark.parametrize("handler", ["login", "request_otp", "set_credentials"])
def test_importing_a_handler_builds_no_aws_client(handler: str) -> None:
    assert run("print(json.dumps(built))", handler, tracing=True, before=COUNT_CLIENTS) == []


# A trace as the X-Ray daemon would receive it: an emitter keeps what the SDK sends.
TRACE = """
from aws_xray_sdk.core import xray_recorder
import boto3
from botocore.stub import Stubber
from customer_identity.core.observability import tracer

sent = []

class Emitter:
    def send_entity(self, entity):
        sent.append(entity.to_dict())
    def set_daemon_address(self, address): ...

xray_recorder.configure(emitter=Emitter())
event = json.load(open(%r))

@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def call_aws(event, context):
    client = boto3.client("dynamodb", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b")
    with Stubber(client) as stub:
        stub.add_response("get_item", {"Item": {"pk": {"S": "CUSTOMER#secret"}}})
        client.get_item(TableName="identity-cold-start", Key={"pk": {"S": "CUSTOMER#secret"}})
    return {"body": "secret"}

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "HealthFunction", 512, "r-1"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:HealthFunction"

response = app.handler(event, Context())
call_aws({}, Context())
print(json.dumps({"status": response["statusCode"], "sent": sent}, default=str))
"""


def subsegments(entity: dict) -> list[dict]:
    found = [entity]
    for child in entity.get("subsegments", []):
        found += subsegments(child)
    return found


def test_with_tracing_on_a_trace_holds_the_handler_and_every_aws_call_and_no_response() -> None:
    result = run(TRACE % str(PROJECT_ROOT / "events" / "health.json"), "health", tracing=True)
    assert result["status"] == 200
    sent = [part for entity in result["sent"] for part in subsegments(entity)]
    names = [part["name"] for part in sent]
    assert names.count("## handler") == 1 and "## call_aws" in names
    handler = next(part for part in sent if part["name"] == "## handler")
    assert handler["annotations"] == {"ColdStart": True, "Service": "customer-identity"}
    dynamodb = next(part for part in sent if part["name"] == "dynamodb")
    assert dynamodb["aws"]["operation"] == "GetItem"
    assert dynamodb["aws"]["table_name"] == "identity-cold-start"
    assert not any(part.get("metadata") for part in sent)  # no response, no error
    assert "secret" not in json.dumps(result["sent"])


def test_the_aws_sender_builds_its_clients_on_first_use_and_still_sends() -> None:
    import boto3
    from moto import mock_aws

    from customer_identity.core.settings import load_settings
    from customer_identity.use_cases.sign_in.notifications import AwsSender, Message

    with mock_aws():
        settings = load_settings(aws_region="eu-west-1", email_from="no-reply@example.com")
        boto3.client("sesv2", region_name="eu-west-1").create_email_identity(EmailIdentity="no-reply@example.com")
        sender = AwsSender(settings)
        sender.send(to="+919717619183", channel="sms", message=Message.sign_in_code("123456", 5))
        sender.send(to="asha@example.com", channel="email", message=Message("Subject", "Text"))
        sender.send(to="+919717619184", channel="sms", message=Message.sign_in_code("654321", 5))
        ses = boto3.client("ses", region_name="eu-west-1")
        assert ses.get_send_statistics()["SendDataPoints"][0]["DeliveryAttempts"] == 1


MODELS_BUILT = """
from pydantic import BaseModel
def service_models():
    return [
        value for name, module in list(sys.modules.items()) if name.startswith('customer_identity.')
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == name
    ]
at_import = sorted(model.__name__ for model in service_models() if model.__pydantic_complete__)
from customer_identity.runtime import snapshot_hooks
snapshot_hooks.before_snapshot()
models = service_models()
after_hook = sum(model.__pydantic_complete__ for model in models)
print(json.dumps({"at_import": at_import, "models": len(models), "after_hook": after_hook}))
"""


@pytest.mark.parametrize("handler", ["create_customer", "get_customer", "login", "merge_customer"])
def test_import_builds_no_request_model_and_the_snapshot_hook_builds_them_all(handler: str) -> None:
    counts = run(MODELS_BUILT, handler, tracing=False)
    assert counts["models"] > 5  # the models its routes use were imported...
    # ...but none was built (the settings, read at init, aside): that waits for the snapshot hook or a first use
    assert counts["at_import"] == ["Settings"]
    assert counts["after_hook"] == counts["models"]
