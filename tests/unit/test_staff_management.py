"""Staff management: listings through the index, PATCH rules, deactivation and role changes taking
effect at the next request, counters, and the audit's stranded customers (moto in-process)."""

import json
from collections import Counter

import botocore.client
import pytest

from customer_identity import runtime
from customer_identity.core.errors import (
    AccountDeactivated,
    Forbidden,
    InvalidCredentials,
    InvalidInput,
    InvalidResetToken,
    OwnAccount,
    SessionRevoked,
    StaffNotFound,
    TokenRevoked,
)
from customer_identity.core.models.accounts import NewStaff, StaffChanges
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.storage import keys, stats, table
from customer_identity.storage.entities import StaffItem
from customer_identity.use_cases.admin.staff_management import StaffManagement
from customer_identity.use_cases.sign_in.tokens import Principal
from tests.unit.conftest import TEST_IP, Domain, load_event, reset_token_in

PASSWORD = "staff password 1"


@pytest.fixture
def management(domain: Domain) -> StaffManagement:
    return runtime.staff_management()


def new_staff(domain: Domain, name: str, role: str = "delivery_person") -> str:
    account = domain.staff.create(NewStaff(email=f"{name}@example.com", role=role, name=name, password=PASSWORD))
    return account.account_id


def login(domain: Domain, name: str) -> str:
    return domain.password_sign_in.login(email=f"{name}@example.com", phone=None, password=PASSWORD).token


def caller(token: str) -> Principal:
    return runtime.sessions().authenticate(token)


@pytest.fixture
def admin(domain: Domain) -> Principal:
    new_staff(domain, "boss", "admin")
    return caller(login(domain, "boss"))


# --- listings ------------------------------------------------------------------------------------


def test_listing_by_role_pages_through_one_index_query_per_page(
    domain: Domain, management: StaffManagement, requests_made: Counter[str]
) -> None:
    riders = [new_staff(domain, f"rider{i}") for i in range(5)]
    new_staff(domain, "seller", "supplier")
    management.update(caller(admin_token(domain)), riders[1], StaffChanges(active=False))
    requests_made.clear()
    seen, cursor, pages = [], None, 0
    while True:
        page = management.list(role="delivery_boy", active=None, limit=2, cursor=cursor)  # the legacy name too
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and requests_made == Counter({"Query": 3, "BatchGetItem": 3})  # never a scan
    # Active accounts first (creation order), then the deactivated one.
    assert [a.account_id for a in seen] == [r for r in riders if r != riders[1]] + [riders[1]]
    assert [a.active for a in seen] == [True] * 4 + [False] and seen[-1].deactivated_at
    assert all(a.role == "delivery_person" for a in seen)
    assert "password_hash" not in json.dumps([a.model_dump() for a in seen])


def admin_token(domain: Domain) -> str:
    if domain.accounts.by_email("chief@example.com") is None:
        new_staff(domain, "chief", "admin")
    return login(domain, "chief")


def test_all_staff_and_active_filters(domain: Domain, management: StaffManagement, admin: Principal) -> None:
    rider, seller = new_staff(domain, "rider"), new_staff(domain, "seller", "supplier")
    management.update(admin, seller, StaffChanges(active=False))
    everyone = management.list(role=None, active=None, limit=100, cursor=None).items
    assert {a.account_id for a in everyone} >= {rider, seller, admin.account_id}
    assert [a.account_id for a in management.list(role=None, active=False, limit=10, cursor=None).items] == [seller]
    assert seller not in {a.account_id for a in management.list(role=None, active=True, limit=10, cursor=None).items}
    assert management.deactivated("supplier").items[0].account_id == seller
    assert management.deactivated("delivery_person").items == []


def test_a_cursor_of_another_listing_is_refused(domain: Domain, management: StaffManagement) -> None:
    for i in range(3):
        new_staff(domain, f"rider{i}")
    cursor = management.list(role="delivery_person", active=None, limit=1, cursor=None).next_cursor
    with pytest.raises(Exception) as refused:
        management.list(role="supplier", active=None, limit=1, cursor=cursor)
    assert getattr(refused.value, "code", None) == "invalid_cursor"


# --- PATCH rules ---------------------------------------------------------------------------------


def test_changes_are_validated_and_unknown_accounts_are_404(
    domain: Domain, management: StaffManagement, admin: Principal
) -> None:
    rider = new_staff(domain, "rider")
    for body, field, code in (
        ({}, "name", "missing_field"),
        ({"role": None}, "role", "invalid_role"),
        ({"active": None}, "active", "invalid_active"),
    ):
        with pytest.raises(InvalidInput) as refused:
            management.update(admin, rider, StaffChanges.model_validate(body))
        assert (refused.value.field, refused.value.code) == (field, code)
    with pytest.raises(StaffNotFound):
        management.update(admin, "stf_nobody", StaffChanges(name="x"))
    customer = domain.create("9717619183").customer
    with pytest.raises(StaffNotFound):  # a customer is not a staff account
        management.update(admin, customer.customer_id, StaffChanges(name="x"))
    renamed = management.update(admin, rider, StaffChanges(name="Ravi K."))
    assert (renamed.name, renamed.role, renamed.active) == ("Ravi K.", "delivery_person", True)
    assert management.update(admin, rider, StaffChanges(name=None)).name is None  # null clears the name


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ('{"active": "false"}', 422, "invalid_active", "active"),
        ('{"active": 0}', 422, "invalid_active", "active"),
        ('{"role": "customer"}', 422, "invalid_role", "role"),
        ('{"colour": "red"}', 422, "unknown_field", "colour"),
        ('{"name": "x"}', 404, "staff_not_found", "account_id"),
    ],
)
def test_the_handler_names_the_bad_field(invoke, body: str, status: int, code: str, field: str) -> None:
    got_status, got = invoke("update_staff", {**load_event("update_staff"), "body": body})
    assert (got_status, got["error"]["code"], got["error"]["field"]) == (status, code, field)


def test_sample_events_list_and_update_staff(invoke, domain: Domain) -> None:
    rider = new_staff(domain, "rider")
    status, body = invoke("list_staff")
    assert status == 200 and [a["account_id"] for a in body["items"]] == [rider] and body["next_cursor"] is None
    event = load_event("update_staff")
    event = event | {"path": f"/admin/staff/{rider}", "pathParameters": {"account_id": rider}}
    status, body = invoke("update_staff", event)
    assert status == 200 and body["account"]["active"] is False and body["account"]["name"] == "Ravi Kumar"
    assert invoke("list_staff", {**load_event("list_staff"), "queryStringParameters": {"active": "maybe"}})[0] == 422


def test_admins_cannot_deactivate_or_demote_themselves(
    domain: Domain, management: StaffManagement, admin: Principal
) -> None:
    for change, field in ((StaffChanges(active=False), "active"), (StaffChanges(role="supplier"), "role")):
        with pytest.raises(OwnAccount) as refused:
            management.update(admin, admin.account_id, change)
        assert (refused.value.code, refused.value.field) == ("own_account", field)
    assert management.update(admin, admin.account_id, StaffChanges(name="The boss")).name == "The boss"
    assert caller(login(domain, "boss")).role == "admin"  # still the (last) active admin


def test_an_admin_demoted_meanwhile_cannot_demote_another(domain: Domain, management: StaffManagement) -> None:
    first, second = new_staff(domain, "first", "admin"), new_staff(domain, "second", "admin")
    as_first, as_second = caller(login(domain, "first")), caller(login(domain, "second"))
    management.update(as_first, second, StaffChanges(role="supplier"))
    # ``as_second`` passed its token check before the demotion: the transaction still refuses it.
    with pytest.raises(Forbidden):
        management.update(as_second, first, StaffChanges(active=False))
    assert table.get(StaffItem, keys.staff_key(first)).active  # one active admin remains


# --- deactivation and role changes at the next request ---------------------------------------------


def test_deactivation_stops_tokens_sign_in_and_reset_and_reactivation_restores_sign_in(
    domain: Domain, management: StaffManagement, admin: Principal, outbox
) -> None:
    rider = new_staff(domain, "rider")
    token = login(domain, "rider")
    assert caller(token).account_id == rider
    domain.forgot(email="rider@example.com", phone=None)
    reset_token = reset_token_in(outbox("rider@example.com"))

    account = management.update(admin, rider, StaffChanges(active=False))
    assert account.active is False and account.deactivated_at
    with pytest.raises(AccountDeactivated):
        caller(token)
    with pytest.raises(AccountDeactivated):  # the right password: told why
        login(domain, "rider")
    with pytest.raises(InvalidCredentials):  # a wrong one learns nothing
        domain.password_sign_in.login(email="rider@example.com", phone=None, password="wrong password")
    with pytest.raises(AccountDeactivated):  # a reset token sent before gives no access ...
        domain.password_sign_in.reset(reset_token, "a brand new password")
    sent = len(outbox_texts("rider@example.com"))
    domain.forgot(email="rider@example.com", phone=None)  # ... and none is sent now
    assert len(outbox_texts("rider@example.com")) == sent

    assert management.update(admin, rider, StaffChanges(active=True)).active is True
    with pytest.raises(AccountDeactivated):  # its session ended with the deactivation: it never comes back
        caller(token)
    assert caller(login(domain, "rider")).account_id == rider  # signing in works again
    with pytest.raises(InvalidResetToken):
        domain.password_sign_in.reset("not-a-token", "whatever password")
    # The reset token refused while deactivated was not used up: within its hour it works now.
    assert caller(domain.password_sign_in.reset(reset_token, "a brand new password").token).account_id == rider


def outbox_texts(to: str) -> list[str]:
    from customer_identity.use_cases.sign_in.notifications import outbox_messages

    return [message["text"] for message in outbox_messages(to)]


def test_a_role_change_revokes_tokens_and_the_next_sign_in_has_the_new_role(
    domain: Domain, management: StaffManagement, admin: Principal
) -> None:
    other = new_staff(domain, "other", "admin")
    old = login(domain, "other")
    assert caller(old).is_admin
    management.update(admin, other, StaffChanges(role="marketing_staff"))
    with pytest.raises(TokenRevoked):
        caller(old)
    assert caller(login(domain, "other")).role == "marketing_staff"
    management.update(admin, other, StaffChanges(name="Renamed"))  # a rename revokes nothing
    assert caller(login(domain, "other")).role == "marketing_staff"


def test_the_token_check_is_one_strongly_consistent_getitem_of_the_session_for_staff_and_customers(
    domain: Domain, admin: Principal, outbox, requests_made: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = login(domain, "boss")
    domain.phone_sign_in.request("9717619183", source_ip=TEST_IP)
    code = outbox("+919717619183").split("code is ")[1][:6]
    customer_token = domain.phone_sign_in.verify("9717619183", code).token
    reads: list[dict] = []
    original = botocore.client.BaseClient._make_api_call

    def spy(client, operation, params):
        if operation == "GetItem":
            reads.append(params)
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    requests_made.clear()
    caller(token)
    assert requests_made == Counter({"GetItem": 1}) and reads[0]["ConsistentRead"] is True
    requests_made.clear()
    caller(customer_token)
    assert requests_made == Counter({"GetItem": 1}) and reads[1]["ConsistentRead"] is True
    assert [read["Key"]["pk"]["S"].split("#")[0] for read in reads] == ["SESSION", "SESSION"]


def test_a_token_without_a_session_is_refused_even_when_well_signed(domain: Domain) -> None:
    token = runtime.tokens().issue(account_id="stf_ghost", role="admin", customer_id=None, method="local")
    with pytest.raises(SessionRevoked):
        caller(token)
    named = runtime.tokens().issue(
        account_id="stf_ghost", role="admin", customer_id=None, method="local", session_id="x"
    )
    with pytest.raises(SessionRevoked):
        caller(named)


# --- counters, races, audit ------------------------------------------------------------------------


def test_deactivation_reactivation_and_role_changes_move_the_staff_counts(
    domain: Domain, management: StaffManagement, admin: Principal
) -> None:
    rider = new_staff(domain, "rider")

    def by_role() -> dict[str, int]:
        totals = stats.read_totals()
        return {name: int(v) for name, v in totals.items() if name.startswith("staff.role#") and v}

    before = by_role()
    management.update(admin, rider, StaffChanges(active=False))
    assert by_role().get("staff.role#delivery_person", 0) == before.get("staff.role#delivery_person", 0) - 1
    management.update(admin, rider, StaffChanges(role="supplier"))  # inactive: counts nowhere
    assert by_role().get("staff.role#supplier", 0) == before.get("staff.role#supplier", 0)
    management.update(admin, rider, StaffChanges(active=True))
    assert by_role().get("staff.role#supplier", 0) == before.get("staff.role#supplier", 0) + 1
    management.update(admin, rider, StaffChanges(role="delivery_person"))
    assert by_role() == before


def test_a_change_that_lost_a_race_is_read_again_and_both_changes_stand(
    domain: Domain, management: StaffManagement, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    rider = new_staff(domain, "rider")
    original = botocore.client.BaseClient._make_api_call
    raced = []

    def interleave(client, operation, params):
        if operation == "TransactWriteItems" and not raced:
            raced.append(True)  # another admin's change lands between our read and our write
            management.update(admin, rider, StaffChanges(name="Renamed meanwhile"))
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", interleave)
    account = management.update(admin, rider, StaffChanges(role="supplier"))
    assert (account.name, account.role) == ("Renamed meanwhile", "supplier")
    stored = table.get(StaffItem, keys.staff_key(rider))
    assert (stored.revision, stored.generation) == (3, 1)


def test_customers_of_deactivated_delivery_persons_are_found_for_the_audit(
    domain: Domain, management: StaffManagement, admin: Principal
) -> None:
    gone, idle, busy = new_staff(domain, "gone"), new_staff(domain, "idle"), new_staff(domain, "busy")
    assigned = []
    for phone, person in (("9717619183", gone), ("9812345678", gone), ("9822233344", busy)):
        customer = domain.create(phone).customer
        domain.profiles.update(customer.customer_id, CustomerChanges(delivery_person_id=person))
        assigned.append(customer.customer_number)
    for person in (gone, idle):
        management.update(admin, person, StaffChanges(active=False))
    page = management.stranded_customers(examples=1)
    assert [item.delivery_person.account_id for item in page.items] == [gone]  # idle has none, busy is active
    assert [c.customer_number for c in page.items[0].customers.items] == [assigned[0]]
    assert page.items[0].customers.next_cursor is not None  # more of them, through by_delivery_person
    rest = management.assigned_customers(gone, limit=10, cursor=page.items[0].customers.next_cursor)
    assert [c.customer_number for c in rest.items] == [assigned[1]]


# --- sessions opened while the account changes ----------------------------------------------------


def test_a_staff_session_opened_during_a_deactivation_is_ended_by_it(
    domain: Domain, management: StaffManagement, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deactivation read the account and its sessions; a sign-in opens a session before it commits."""
    rider = new_staff(domain, "rider")
    original = StaffManagement._commit
    opened: list[str] = []

    def sign_in_first(self, *args, **kwargs):
        if not opened:
            opened.append(login(domain, "rider"))  # bumps the account's revision with its session
        return original(self, *args, **kwargs)

    monkeypatch.setattr(StaffManagement, "_commit", sign_in_first)
    assert management.update(admin, rider, StaffChanges(active=False)).active is False
    with pytest.raises(AccountDeactivated):  # the change was read again and ended that session too
        caller(opened[0])


def test_a_staff_sign_in_racing_a_deactivation_is_refused(
    domain: Domain, management: StaffManagement, admin: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sign-in read the active account; the deactivation commits before the session is written."""
    from customer_identity.use_cases.sign_in.session_store import SessionStore

    rider = new_staff(domain, "rider")
    original = SessionStore.open
    deactivated: list[bool] = []

    def deactivate_first(self, session, **kwargs):
        if not deactivated:
            deactivated.append(management.update(admin, rider, StaffChanges(active=False)).active)
        return original(self, session, **kwargs)

    monkeypatch.setattr(SessionStore, "open", deactivate_first)
    with pytest.raises(AccountDeactivated):
        login(domain, "rider")
    assert deactivated == [False]
    assert management.accounts.sessions.live_sessions(rider) == []
