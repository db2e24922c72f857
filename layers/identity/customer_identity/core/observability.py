"""Logger, tracer and metrics of the service: one of each per execution environment.

The bottom of the package, so any layer may log without importing the HTTP edge. The logger
carries :class:`~customer_identity.core.redaction.RedactingFilter` (no secrets or contact data in logs).
Traces hold timings and annotations only: every ``tracer.capture_*`` in this package passes
``capture_response=False, capture_error=False`` (responses carry tokens and personal data, errors
may quote them), and the template sets the same defaults (``POWERTOOLS_TRACER_CAPTURE_*``).
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

from customer_identity.core.redaction import RedactingFilter

logger = Logger()
logger.addFilter(RedactingFilter())
tracer = Tracer()
metrics = Metrics()
# Routes add metrics only for business events; an invocation without one is normal, not a warning.
warnings.filterwarnings("ignore", message="No application metrics to publish")
