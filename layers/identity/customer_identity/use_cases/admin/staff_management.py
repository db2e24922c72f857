"""Managing staff accounts (admins): listings through an index, and changing name, role and active.

* Listings are one index query per page (``by_number`` under ``STAFF``, ``by_status`` under
  ``ROLE#<role>``; see :mod:`..storage.keys`): active accounts first, each state in creation order.
* A deactivation, a reactivation or a role change ends every live session of the account in the
  same transaction (and bumps its token generation), so every token issued before is refused at
  its next request (:mod:`..sign_in.sessions`); a reactivated account signs in again. A staff
  sign-in bumps the account's revision as it opens its session, so a change conditioned on the
  revision it read can never miss a session opened meanwhile.
* An admin cannot deactivate or demote themselves (409 ``own_account``). A change that takes an
  active admin away also checks, in its transaction, that the caller is still an active admin; so
  another active admin (the caller) always remains and the last one can never be removed, even when
  two admins demote each other at once (one wins; the other is no longer an admin: 403).
* Each change is one transaction conditioned on the revision read (a lost race is read again and
  reapplied), carrying the dashboard counters' change (staff by role while active).
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr

from customer_identity.core.clock import utc_now
from customer_identity.core.errors import Forbidden, InvalidInput, OwnAccount, StaffNotFound
from customer_identity.core.models.accounts import Account, StaffChanges, StaffPage, StrandedCustomers, StrandedPage
from customer_identity.core.models.customers import CustomerPage
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.roles import canonical_role
from customer_identity.core.settings import Settings
from customer_identity.storage import keys, queries, table
from customer_identity.storage.entities import SessionItem, StaffItem
from customer_identity.storage.transactions import Transaction, TransactionCancelled
from customer_identity.use_cases.identity import stats
from customer_identity.use_cases.identity.listing import Listing, check_limit
from customer_identity.use_cases.sign_in.accounts import Accounts, LoginAccount
from customer_identity.use_cases.sign_in.session_store import SessionStore
from customer_identity.use_cases.sign_in.tokens import Principal

DELIVERY_PERSON = "delivery_person"
# A change's transaction: the account, the caller's check, a stats shard and up to this many sessions.
MAX_SESSIONS_IN_CHANGE = 90


class StaffManagement:
    def __init__(self, settings: Settings, accounts: Accounts, listing: Listing) -> None:
        self.settings = settings
        self.accounts = accounts
        self.listing = listing

    # --- reading -------------------------------------------------------------------------------

    def list(self, *, role: str | None, active: bool | None, limit: int, cursor: str | None) -> StaffPage:
        """One page of staff accounts (of one role, and/or only active or deactivated ones)."""
        check_limit(limit)
        query = keys.staff_query(role=canonical_role(role) if role else None, active=active)
        items, next_cursor = queries.staff_page(query, limit=limit, cursor=cursor)
        return StaffPage(items=[self.account(item) for item in items], next_cursor=next_cursor)

    def deactivated(self, role: str | None = None, *, limit: int = 20, cursor: str | None = None) -> StaffPage:
        """Deactivated accounts (of ``role``), through the index."""
        return self.list(role=role, active=False, limit=limit, cursor=cursor)

    def assigned_customers(self, account_id: str, *, limit: int = 20, cursor: str | None = None) -> CustomerPage:
        """The customers assigned to a delivery person (the ``by_delivery_person`` index)."""
        return self.listing.customers(status=None, area=None, limit=limit, cursor=cursor, delivery_person_id=account_id)

    def stranded_customers(self, *, limit: int = 20, cursor: str | None = None, examples: int = 5) -> StrandedPage:
        """Deactivated delivery persons who still have customers, each with the first ``examples`` of them.

        One query for a page of ``limit`` deactivated delivery persons, then one per person; those
        without customers are left out (so a page can hold fewer than ``limit``).
        """
        people = self.deactivated(DELIVERY_PERSON, limit=limit, cursor=cursor)
        items = []
        for person in people.items:
            customers = self.assigned_customers(person.account_id, limit=examples)
            if customers.items:
                items.append(StrandedCustomers(delivery_person=person, customers=customers))
        return StrandedPage(items=items, next_cursor=people.next_cursor)

    def account(self, item: StaffItem) -> Account:
        return self.accounts.to_account(LoginAccount(staff=item))

    # --- changing ------------------------------------------------------------------------------

    def update(self, caller: Principal, account_id: str, changes: StaffChanges) -> Account:
        """Apply ``changes`` (the fields sent) to a staff account: one transaction, retried on a lost race."""
        fields = changes.model_fields_set
        if not fields:
            raise InvalidInput("send name, role and/or active", field="name", code="missing_field")
        for name in ("role", "active"):
            if name in fields and getattr(changes, name) is None:
                raise InvalidInput(f"{name} cannot be null", field=name, code=f"invalid_{name}")

        def attempt() -> StaffItem:
            current = table.get(StaffItem, keys.staff_key(account_id))
            if current is None:
                raise StaffNotFound(account_id)
            updated = _changed(current, changes, fields)
            if updated is None:
                return current  # nothing to change: no write
            removes_admin = _active_admin(current) and not _active_admin(updated)
            if removes_admin and current.account_id == caller.account_id:
                raise OwnAccount("active" if changes.active is False else "role")
            ending = self._sessions_to_end(current, updated)
            self._commit(caller, current, updated, removes_admin, ending)
            return updated

        return self.account(retry_lost_races(attempt, self.settings.contention_budget_seconds))

    def _sessions_to_end(self, current: StaffItem, updated: StaffItem) -> tuple[str, list[SessionItem]]:
        """(why, the live sessions to end in the change's transaction) when the role or active flag changes.

        Beyond what one transaction holds, the oldest are ended first, one by one (they end anyway)."""
        if updated.generation == current.generation:
            return "", []
        why = "account_deactivated" if not updated.active else "role_changed"
        store = self.accounts.sessions
        live = store.live_sessions(current.account_id)
        for session in live[:-MAX_SESSIONS_IN_CHANGE]:
            store.revoke(current.account_id, session.session_id, why)
        return why, live[-MAX_SESSIONS_IN_CHANGE:]

    def _commit(
        self,
        caller: Principal,
        current: StaffItem,
        updated: StaffItem,
        removes_admin: bool,
        ending: tuple[str, list[SessionItem]],
    ) -> None:
        tx = Transaction()
        tx.put("account", updated, condition=Attr("revision").eq(current.revision))
        if removes_admin:
            still_admin = Attr("role").eq("admin") & Attr("deactivated_at").not_exists()
            tx.check("caller", keys.staff_key(caller.account_id), still_admin)
        stats.record(tx, (current, updated))
        why, sessions = ending
        for number, session in enumerate(sessions):
            SessionStore.revoke_in(tx, session, why, f"session{number}")
        try:
            tx.commit()
        except TransactionCancelled as cancelled:
            if cancelled.failed("caller"):
                raise Forbidden("you are no longer an active admin") from cancelled
            raise LostRace from cancelled


def _active_admin(item: StaffItem) -> bool:
    return item.role == "admin" and item.active


def _changed(current: StaffItem, changes: StaffChanges, fields: set[str]) -> StaffItem | None:
    """The account after ``changes``, or None when they change nothing."""
    updated = current.copy()
    assert isinstance(updated, StaffItem)
    now = utc_now()
    if "name" in fields:
        updated.name = changes.name
    if changes.role is not None:
        updated.role = canonical_role(changes.role)
    if changes.active is not None and changes.active != current.active:
        updated.deactivated_at = None if changes.active else now
    if (updated.name, updated.role, updated.deactivated_at) == (current.name, current.role, current.deactivated_at):
        return None
    if updated.role != current.role or updated.active != current.active:
        updated.token_generation = current.generation + 1  # every earlier token stops working
    updated.revision, updated.updated_at = int(current.revision or 0) + 1, now
    return updated
