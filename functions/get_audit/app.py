"""GET /admin/audit: the linkage audit (exact counts, first examples, the latest alias check)."""

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.audit_models import AuditReport
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
audit = runtime.audit()


@app.get(
    "/admin/audit",
    operation_id="getAudit",
    summary="The linkage audit: customers who cannot sign in, without email or number, open review items, "
    "identifiers pointing nowhere (admins)",
    description="Counts are exact (maintained counters); examples are the lowest-numbered ten. The alias figures "
    "come from the latest background alias check (start one with POST /admin/audit/alias-checks). "
    "Cost: one BatchGetItem, 11 small queries (one more per deactivated delivery person listed) and one "
    "GetItem; never a scan.",
    tags=["admin"],
    responses=documented({200: ok("The audit", AuditReport)}, errors={403: "admins only"}),
)
def get_audit() -> AuditReport:
    require_admin(principal(app))
    return audit.report()


handler = lambda_handler(app)
