"""The first admin of a new deployment: one staff account with the admin role and a one-time link to
set its password, refused once any admin exists (``python -m devserver.first_admin``; docs/console.md).

It goes through the ordinary paths: :meth:`Staff.create` (the account, its email marker and the
dashboard counters in one transaction) and the reset tokens of ``POST /auth/password/reset`` (single
use, 1 hour), so the console's set-password page is the password reset the API already has.
"""

from __future__ import annotations

from dataclasses import dataclass

from customer_identity.core.errors import AdminExists
from customer_identity.core.models.accounts import Account, NewStaff
from customer_identity.use_cases.admin.staff import Staff
from customer_identity.use_cases.admin.staff_management import StaffManagement
from customer_identity.use_cases.sign_in.password_resets import issue_reset_token


@dataclass(frozen=True)
class FirstAdmin:
    account: Account
    reset_token: str  # for the console's set-password page: once, within the hour


def create_first_admin(staff: Staff, management: StaffManagement, *, email: str, name: str | None) -> FirstAdmin:
    """The first admin and a set-password token; :class:`AdminExists` if an admin, active or not, exists.

    The check reads the admins' index page (one ``Query``); two people running this at the same
    moment could both pass it, which a one-off set-up step run by one person does not need to prevent.
    """
    if management.list(role="admin", active=None, limit=1, cursor=None).items:
        raise AdminExists()
    account = staff.create(NewStaff(email=email, role="admin", name=name))  # type: ignore[arg-type]
    return FirstAdmin(account=account, reset_token=issue_reset_token("staff", account.account_id, "email"))
