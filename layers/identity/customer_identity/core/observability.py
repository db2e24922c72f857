"""Logger, tracer and metrics of the service: one of each per execution environment.

The bottom of the package, so any layer may log without importing the HTTP edge. The logger
carries :class:`~customer_identity.core.redaction.RedactingFilter` (no secrets or contact data in logs).
Traces hold timings and annotations only: every ``tracer.capture_*`` in this package passes
``capture_response=False, capture_error=False`` (responses carry tokens and personal data, errors
may quote them), and the template sets the same defaults (``POWERTOOLS_TRACER_CAPTURE_*``).

Where tracing is on (in Lambda with ``Tracing: Active``), the tracer is Powertools' X-Ray tracer with
botocore patched: every AWS call (DynamoDB through boto3 or PynamoDB, SNS, SES, S3, Secrets Manager,
Lambda) is a subsegment. Where it is off (``make run``, tests, ``POWERTOOLS_TRACE_DISABLED``), the
tracer records nothing and the X-Ray recorder is never imported (docs/cold-start.md).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import AsyncIterator, Iterator
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.tracing.base import BaseProvider, BaseSegment

from customer_identity.core.redaction import RedactingFilter
from customer_identity.core.settings import tracing_enabled

# The AWS SDK is the only client the service calls; X-Ray's other patches (httplib, sqlite3, ...) are
# left out (httplib would only repeat each AWS call as a nested HTTP subsegment).
PATCHED_MODULES = ("botocore",)


class _Unrecorded(BaseSegment):
    def close(self, end_time: int | None = None) -> None: ...
    def add_subsegment(self, subsegment: Any) -> None: ...
    def remove_subsegment(self, subsegment: Any) -> None: ...
    def put_annotation(self, key: str, value: Any) -> None: ...
    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...
    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None: ...


class Untraced(BaseProvider):
    """The tracer's provider where tracing is off: what Powertools' disabled X-Ray recorder does, without X-Ray."""

    @contextlib.contextmanager
    def in_subsegment(self, name: str = "", **kwargs: Any) -> Iterator[BaseSegment]:
        yield _Unrecorded()

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name: str = "", **kwargs: Any) -> AsyncIterator[BaseSegment]:
        yield _Unrecorded()

    def put_annotation(self, key: str, value: Any) -> None: ...
    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None: ...
    def patch(self, modules: Any) -> None: ...
    def patch_all(self) -> None: ...


def build_tracer() -> Tracer:
    if tracing_enabled():
        return Tracer(patch_modules=PATCHED_MODULES)
    return Tracer(disabled=True, auto_patch=False, provider=Untraced())


logger = Logger()
logger.addFilter(RedactingFilter())
tracer = build_tracer()
metrics = Metrics()
# Routes add metrics only for business events; an invocation without one is normal, not a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")
