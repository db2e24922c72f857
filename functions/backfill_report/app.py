"""Backfill state machine task: the report step (see statemachines/backfill.asl.json)."""

from customer_identity import runtime
from customer_identity.api import step_handler

handler = step_handler(runtime.backfill().report)
