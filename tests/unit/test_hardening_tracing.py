"""What an X-Ray trace would hold: annotations only, never a response (tokens, personal data) or an error (issue 11).

The tracer's provider is replaced by a recording one (Powertools' ``BaseProvider``/``BaseSegment``
interface, the one a custom provider implements), so the test sees exactly what would be sent.
"""

import contextlib
import json

import pytest
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

from customer_identity.core import observability
from tests.unit.conftest import code_in, load_event


class RecordingSegment(BaseSegment):
    def __init__(self, name: str, recorded: list) -> None:
        self.name, self.recorded = name, recorded

    def close(self, end_time=None) -> None: ...
    def add_subsegment(self, subsegment) -> None: ...
    def remove_subsegment(self, subsegment) -> None: ...

    def put_annotation(self, key, value) -> None:
        self.recorded.append((self.name, "annotation", key, value))

    def put_metadata(self, key, value, namespace="default") -> None:
        self.recorded.append((self.name, "metadata", key, value))

    def add_exception(self, exception, stack, remote=False) -> None:
        self.recorded.append((self.name, "exception", type(exception).__name__, exception))


class RecordingProvider(BaseProvider):
    def __init__(self) -> None:
        self.recorded: list = []

    @contextlib.contextmanager
    def in_subsegment(self, name=None, **kwargs):
        yield RecordingSegment(name, self.recorded)

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name=None, **kwargs):
        yield RecordingSegment(name, self.recorded)

    def put_annotation(self, key, value) -> None:
        self.recorded.append(("", "annotation", key, value))

    def put_metadata(self, key, value, namespace="default") -> None:
        self.recorded.append(("", "metadata", key, value))

    def patch(self, modules) -> None: ...
    def patch_all(self) -> None: ...


@pytest.fixture
def trace(monkeypatch: pytest.MonkeyPatch) -> list:
    provider = RecordingProvider()
    monkeypatch.setattr(observability.tracer, "provider", provider)
    return provider.recorded


def test_a_trace_of_a_sign_in_holds_no_token_and_no_personal_data(invoke, outbox, trace: list) -> None:
    assert invoke("request_otp")[0] == 202
    verify = load_event("verify_otp")
    verify["body"] = json.dumps({"phone": "+919717619183", "code": code_in(outbox("+919717619183"))})
    status, body = invoke("verify_otp", verify)
    assert status == 200
    assert trace, "the handlers are traced"
    assert {kind for _, kind, _, _ in trace} == {"annotation"}, trace
    assert {key for _, _, key, _ in trace} <= {"ColdStart", "Service"}
    held = repr(trace)
    for secret in (body["token"], "+919717619183", "9717619183", body["customer"]["customer_id"]):
        assert secret not in held


def test_a_failing_step_leaves_no_error_in_the_trace(trace: list) -> None:
    from customer_identity.api import step_handler
    from devserver.server import LambdaContext

    def step(event: dict) -> dict:
        raise ValueError(f"row for {event['phone']} with password {event['password']}")

    handler = step_handler(step)
    with pytest.raises(ValueError, match="row for"):
        handler({"phone": "+919717619183", "password": "hunter2 hunter2"}, LambdaContext(function_name="step"))
    assert trace and {kind for _, kind, _, _ in trace} == {"annotation"}, trace
    assert "hunter2" not in repr(trace) and "+919717619183" not in repr(trace)
