"""SnapStart: the template snapshots the functions people wait for, and a restored environment
draws its own random values and opens no connection it inherited.

A restore is simulated in-process: every copy starts from the random state the snapshot holds (a
fork would not do: Python reseeds ``random`` in a forked child, while a restored snapshot is the
same memory), then runs the after-restore hook as Lambda would.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import boto3
import botocore.endpoint
import jwt
import pytest

from customer_identity import runtime
from customer_identity.runtime import snapshot_hooks
from customer_identity.storage import table
from customer_identity.use_cases.sign_in.tokens import signing_key
from devserver.template import load_template, resources, routes
from tests.unit.conftest import load_handler

FUNCTIONS = resources("AWS::Serverless::Function", load_template())
# Behind API Gateway: someone waits for them (CORS preflights included).
ROUTED = {
    name
    for name, function in FUNCTIONS.items()
    if any(event["Type"] == "Api" for event in function["Properties"].get("Events", {}).values())
}


def snap_start(name: str, *, enabled: bool = True) -> str:
    """A function's SnapStart ``ApplyOn`` as deployed with ``EnableSnapStart`` set to ``enabled``."""
    template = load_template()
    own = FUNCTIONS[name]["Properties"].get("SnapStart", {})
    applied = {**template["Globals"]["Function"].get("SnapStart", {}), **own}.get("ApplyOn", "None")
    if isinstance(applied, dict):
        condition, when_true, when_false = applied["Fn::If"]
        assert template["Conditions"][condition] == {"Fn::Equals": [{"Ref": "EnableSnapStart"}, "true"]}
        applied = when_true if enabled else when_false
    return applied


def test_every_function_behind_a_route_is_snapshotted_behind_a_published_alias() -> None:
    assert load_template()["Globals"]["Function"]["AutoPublishAlias"] == "live"  # API Gateway calls the alias
    assert ROUTED
    assert load_template()["Parameters"]["EnableSnapStart"]["Default"] == "true"
    for name in ROUTED:
        assert snap_start(name) == "PublishedVersions", name
        assert snap_start(name, enabled=False) == "None", name  # the switch for a stack that would rather not pay


def test_background_workers_are_not_snapshotted() -> None:
    workers = set(FUNCTIONS) - ROUTED
    assert {"ForgotPasswordWorkerFunction", "BackfillWriteFunction", "AuditAliasCheckFunction"} <= workers
    for name in workers:
        assert snap_start(name) == "None", name


def test_the_hooks_are_registered_with_lambdas_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    import snapshot_restore_py

    registered: list[tuple[str, Callable[[], None]]] = []
    monkeypatch.setattr(snapshot_restore_py, "register_before_snapshot", lambda f: registered.append(("before", f)))
    monkeypatch.setattr(snapshot_restore_py, "register_after_restore", lambda f: registered.append(("after", f)))
    assert snapshot_hooks.register() is True
    assert registered == [("before", snapshot_hooks.before_snapshot), ("after", snapshot_hooks.after_restore)]
    assert snapshot_hooks.REGISTERED is True  # done on import, by every function (runtime imports it)


def in_restored_copies(copies: int, work: Callable[[], Any], *, restore: bool) -> list[Any]:
    """Run ``work`` in ``copies`` environments resumed from one snapshot of this initialised one: each
    starts from the same memory (Python's random state is what a snapshot carries: it is set back to
    the state at the snapshot), runs the after-restore hook when ``restore``, and draws."""
    snapshot_hooks.before_snapshot()
    at_snapshot = random.getstate()
    answers = []
    for _ in range(copies):
        random.setstate(at_snapshot)
        if restore:
            snapshot_hooks.after_restore()
        answers.append(work())
    return answers


def draws() -> dict[str, Any]:
    token = runtime.tokens().issue(account_id="cus_1", role="customer", customer_id="cus_1", method="otp")
    return {
        "random": random.random(),
        "shards": [random.randrange(16) for _ in range(8)],
        "jti": jwt.decode(token, options={"verify_signature": False})["jti"],
    }


def test_restored_copies_draw_different_random_values_and_tokens(aws: None) -> None:
    runtime.tokens()  # init, as a sign-in function's import does
    first, second = in_restored_copies(2, draws, restore=True)
    assert first["random"] != second["random"]
    assert first["shards"] != second["shards"]
    assert first["jti"] != second["jti"]


def test_without_the_hook_restored_copies_would_repeat_each_other(aws: None) -> None:
    """What the hook is for: copies of one snapshot share Python's random state."""
    runtime.tokens()
    first, second = in_restored_copies(2, draws, restore=False)
    assert first["random"] == second["random"]
    assert first["shards"] == second["shards"]
    assert first["jti"] != second["jti"]  # uuid4 asks the operating system: unique either way


def test_no_table_connection_is_carried_into_a_snapshot(aws: None) -> None:
    client = table.client()
    client.list_tables()
    snapshot_hooks.before_snapshot()
    assert table.client() is not client  # a new client, with no pooled connection of the old one
    snapshot_hooks.after_restore()
    table.client().list_tables()  # and it works


@pytest.mark.parametrize("route", sorted(routes(), key=lambda r: r.function), ids=lambda r: f"{r.function} {r.path}")
def test_init_sends_no_request(route, aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing a function (its init: what the snapshot holds) sends nothing to AWS, so no connection
    is open when the snapshot is taken (the signing key comes from the environment here; in AWS its
    read closes its client)."""
    sent: list[str] = []
    real = botocore.endpoint.Endpoint.make_request

    def recording(self: botocore.endpoint.Endpoint, operation_model: Any, request_dict: Any) -> Any:
        sent.append(operation_model.name)
        return real(self, operation_model, request_dict)

    monkeypatch.setattr(botocore.endpoint.Endpoint, "make_request", recording)
    load_handler(route)
    assert sent == []


def test_the_signing_key_is_read_from_secrets_manager_once(aws: None, environment) -> None:
    secret = "from-secrets-manager-" + "s" * 40
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="signing-key", SecretString=secret)
    environment(JWT_SIGNING_KEY="", JWT_SIGNING_KEY_SECRET="signing-key")
    assert signing_key(runtime.config()) == secret.encode()
