"""GET /admin/staff: page through staff accounts, all or one role (one index query per page)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from customer_identity import runtime
from customer_identity.api import create_app, documented, lambda_handler, ok, principal
from customer_identity.core.models.accounts import StaffPage, StaffRoleInput
from customer_identity.use_cases.sign_in.access import require_admin

app = create_app()
management = runtime.staff_management()


@app.get(
    "/admin/staff",
    operation_id="listStaff",
    summary="List staff accounts (admins; one index query per page)",
    description="Active accounts first, then deactivated ones, each in creation order. `active` keeps one of them.",
    tags=["admin"],
    responses=documented(
        {200: ok("One page; `next_cursor` is null on the last")},
        params=True,
        errors={400: "`invalid_cursor`", 403: "admins only"},
    ),
)
def list_staff(
    role: Annotated[StaffRoleInput | None, Query()] = None,
    active: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> StaffPage:
    require_admin(principal(app))
    return management.list(role=role, active=active, limit=limit, cursor=cursor)


handler = lambda_handler(app)
