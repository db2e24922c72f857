"""The alias check's worker (no route): checks one scan segment, handing it on before its time runs out.

Invoked asynchronously with ``{"run_id", "segment"}`` by POST /admin/audit/alias-checks, by itself
(continuation) and daily by a schedule with ``{"start": true}``.
"""

from typing import Any

from customer_identity import runtime
from customer_identity.core.observability import logger

alias_check = runtime.alias_check()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("start"):
        state = alias_check.start(by="schedule")
        return {"run_id": state.run_id}
    run_id, segment = str(event["run_id"]), int(event["segment"])
    more = alias_check.work(run_id, segment, remaining_ms=context.get_remaining_time_in_millis)
    if more:
        alias_check.invoke_worker({"run_id": run_id, "segment": segment})
    return {"run_id": run_id, "segment": segment, "handed_on": more}
