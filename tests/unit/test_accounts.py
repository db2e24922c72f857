"""Accounts: phone codes, passwords, reset tokens, credentials, staff, against moto's DynamoDB."""

import time

import bcrypt
import pytest

from customer_identity.api import status_of
from customer_identity.core import clock as clock_module
from customer_identity.core.errors import (
    EmailTaken,
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    InvalidReference,
    InvalidResetToken,
    TooManyRequests,
)
from customer_identity.core.models.accounts import CredentialsChange, NewStaff
from customer_identity.core.models.customers import CustomerChanges, NewCustomer
from customer_identity.storage import keys
from customer_identity.storage.entities import CustomerItem, OtpItem, TableItem
from customer_identity.use_cases.sign_in.tokens import Principal
from tests.unit.conftest import TEST_IP, Domain, code_in, reset_token_in, set_email

PHONE = "+919717619183"


class Clock:
    """Stands in for the ``time`` module behind the service's clock: time moves only when a test says so."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock_module, "time", fake)
    return fake


def sign_in_by_code(domain: Domain, outbox, phone: str = PHONE):
    domain.phone_sign_in.request(phone, source_ip=TEST_IP)
    return domain.phone_sign_in.verify(phone, code_in(outbox(PHONE if phone != "+919812345678" else phone)))


def principal_of(domain: Domain, token: str) -> Principal:
    return domain.accounts.tokens.verify(token)


# --- phone codes ------------------------------------------------------------------------------


def test_a_code_signs_in_and_creates_the_customer_once(domain: Domain, outbox) -> None:
    first = sign_in_by_code(domain, outbox, "97176 19183")
    assert first.created and first.customer.customer_number == "PL1" and first.customer.phone == PHONE
    caller = principal_of(domain, first.token)
    assert (caller.role, caller.customer_id, caller.account_id, caller.method) == (
        "customer",
        first.customer.customer_id,
        first.customer.customer_id,
        "otp",
    )
    again = sign_in_by_code(domain, outbox, "user_9717619183")
    assert not again.created and again.customer.customer_id == first.customer.customer_id
    me = domain.accounts.me(caller)
    assert me.account.phone_verified and not me.account.has_password and me.customer == again.customer


def test_codes_are_stored_hashed_and_work_once(domain: Domain, outbox) -> None:
    domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
    code = code_in(outbox(PHONE))
    stored = OtpItem.get(*keys.otp_key(PHONE))
    assert code not in str(stored.serialize())
    domain.phone_sign_in.verify(PHONE, code)
    with pytest.raises(InvalidCode):
        domain.phone_sign_in.verify(PHONE, code)


def test_a_new_code_replaces_the_previous_one(domain: Domain, outbox) -> None:
    domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
    old = code_in(outbox(PHONE))
    domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
    new = code_in(outbox(PHONE))
    if old != new:
        with pytest.raises(InvalidCode):
            domain.phone_sign_in.verify(PHONE, old)
    assert domain.phone_sign_in.verify(PHONE, new).created


def test_an_expired_code_is_refused(domain: Domain, outbox, clock: Clock) -> None:
    domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
    code = code_in(outbox(PHONE))
    clock.now += 5 * 60 + 1
    with pytest.raises(InvalidCode):
        domain.phone_sign_in.verify(PHONE, code)


def test_five_wrong_codes_use_up_the_code(domain: Domain, outbox) -> None:
    domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
    code = code_in(outbox(PHONE))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(InvalidCode):
            domain.phone_sign_in.verify(PHONE, wrong)
    with pytest.raises(TooManyRequests) as refused:
        domain.phone_sign_in.verify(PHONE, code)
    assert refused.value.code == "too_many_attempts" and status_of(refused.value) == 429


def test_at_most_three_codes_per_phone_per_fifteen_minutes(domain: Domain, outbox, clock: Clock) -> None:
    for _ in range(3):
        domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
        clock.now += 60
    with pytest.raises(TooManyRequests) as refused:
        domain.phone_sign_in.request("9717619183", source_ip=TEST_IP)  # the same phone in another shape
    assert refused.value.code == "too_many_codes" and refused.value.retry_after == 15 * 60 - 3 * 60
    clock.now += 15 * 60 - 3 * 60 + 1  # the first send left the window
    domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)
    with pytest.raises(TooManyRequests):
        domain.phone_sign_in.request(PHONE, source_ip=TEST_IP)


# --- passwords ------------------------------------------------------------------------------


def with_password(domain: Domain, outbox, password: str = "correct horse battery", email=None):
    signed_in = sign_in_by_code(domain, outbox)
    caller = principal_of(domain, signed_in.token)
    address = email or "asha@example.com"
    domain.credentials.change(caller, CredentialsChange(password=password, email=address))
    return caller, set_email(domain, outbox, caller, address)


def test_login_by_email_or_phone_after_setting_a_password(domain: Domain, outbox) -> None:
    caller, me = with_password(domain, outbox)
    assert me.account.has_password and me.account.email == "asha@example.com"
    stored = CustomerItem.get(*keys.phone_key(PHONE)).password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    for name in ({"email": "Asha@Example.com", "phone": None}, {"email": None, "phone": "97176-19183"}):
        token = domain.password_sign_in.login(**name, password="correct horse battery").token
        assert principal_of(domain, token).customer_id == caller.customer_id


def test_unknown_names_and_wrong_passwords_get_the_same_answer(domain: Domain, outbox) -> None:
    with_password(domain, outbox)
    answers = []
    for email, password in (("asha@example.com", "wrong password"), ("nobody@example.com", "correct horse battery")):
        with pytest.raises(InvalidCredentials) as refused:
            domain.password_sign_in.login(email=email, phone=None, password=password)
        answers.append((status_of(refused.value), refused.value.code, refused.value.message, refused.value.field))
    assert answers[0] == answers[1] == (401, "invalid_credentials", "email/phone or password is wrong", None)


def test_a_customer_without_a_password_cannot_log_in_with_any_password(domain, outbox) -> None:
    domain.registration.find_or_create(NewCustomer(phone=PHONE))
    with pytest.raises(InvalidCredentials):
        domain.password_sign_in.login(email=None, phone=PHONE, password="")


def test_legacy_bcrypt_hashes_log_in_and_are_upgraded(domain: Domain) -> None:
    item, _ = domain.registration.find_or_create_item(NewCustomer(phone=PHONE, email="old@example.com"))
    legacy = bcrypt.hashpw(b"legacy secret", bcrypt.gensalt(rounds=4)).decode()
    item.update(actions=[CustomerItem.password_hash.set(legacy)])
    with pytest.raises(InvalidCredentials):
        domain.password_sign_in.login(email="old@example.com", phone=None, password="wrong")
    domain.password_sign_in.login(email="old@example.com", phone=None, password="legacy secret")
    upgraded = CustomerItem.get(*keys.phone_key(PHONE)).password_hash
    assert upgraded.startswith("$argon2id$")
    domain.password_sign_in.login(email="old@example.com", phone=None, password="legacy secret")


def test_repeated_failures_lock_the_login_name_out_with_growing_delays(domain, outbox, clock: Clock) -> None:
    with_password(domain, outbox)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            domain.password_sign_in.login(email="asha@example.com", phone=None, password="guess")
    with pytest.raises(TooManyRequests) as locked:
        domain.password_sign_in.login(email="asha@example.com", phone=None, password="correct horse battery")
    assert locked.value.code == "too_many_attempts" and locked.value.retry_after == 60
    for _ in range(5):  # an unknown name locks the same way: nothing to tell the two apart
        with pytest.raises(InvalidCredentials):
            domain.password_sign_in.login(email="nobody@example.com", phone=None, password="guess")
    with pytest.raises(TooManyRequests) as unknown_locked:
        domain.password_sign_in.login(email="nobody@example.com", phone=None, password="guess")
    assert unknown_locked.value.retry_after == locked.value.retry_after
    clock.now += 61
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            domain.password_sign_in.login(email="asha@example.com", phone=None, password="guess again")
    with pytest.raises(TooManyRequests) as locked_again:
        domain.password_sign_in.login(email="asha@example.com", phone=None, password="correct horse battery")
    assert locked_again.value.retry_after == 120  # the second lockout lasts twice as long
    clock.now += 121
    assert domain.password_sign_in.login(email="asha@example.com", phone=None, password="correct horse battery").token


def test_login_needs_exactly_one_name(domain: Domain) -> None:
    for email, phone in ((None, None), ("a@example.com", PHONE)):
        with pytest.raises(InvalidInput) as refused:
            domain.password_sign_in.login(email=email, phone=phone, password="x")
        assert refused.value.field == "email"


# --- reset ----------------------------------------------------------------------------------


def test_reset_tokens_work_once(domain: Domain, outbox) -> None:
    with_password(domain, outbox)
    domain.forgot(email="asha@example.com", phone=None)
    token = reset_token_in(outbox("asha@example.com"))
    assert TableItem.count(keys.reset_token_key(token)[0]) == 0  # stored only as a hash
    signed_in = domain.password_sign_in.reset(token, "a brand new password")
    assert principal_of(domain, signed_in.token).method == "reset"
    with pytest.raises(InvalidResetToken):
        domain.password_sign_in.reset(token, "yet another password")
    domain.password_sign_in.login(email="asha@example.com", phone=None, password="a brand new password")
    with pytest.raises(InvalidCredentials):
        domain.password_sign_in.login(email="asha@example.com", phone=None, password="correct horse battery")


def test_an_expired_reset_token_is_refused(domain: Domain, outbox, clock: Clock) -> None:
    with_password(domain, outbox)
    domain.forgot(email=None, phone=PHONE)
    token = reset_token_in(outbox(PHONE))
    clock.now += 3601
    with pytest.raises(InvalidResetToken):
        domain.password_sign_in.reset(token, "a brand new password")


def test_forgot_password_sends_nothing_for_unknown_names(domain: Domain, outbox) -> None:
    domain.forgot(email="nobody@example.com", phone=None)
    domain.forgot(email=None, phone="+919812345678")
    with pytest.raises(AssertionError):
        outbox("nobody@example.com")
    with pytest.raises(AssertionError):
        outbox("+919812345678")


def test_an_email_alone_never_gives_a_first_password(domain: Domain, outbox) -> None:
    domain.registration.find_or_create(NewCustomer(phone=PHONE, email="typed.by.staff@example.com"))
    domain.forgot(email="typed.by.staff@example.com", phone=None)
    text = outbox("typed.by.staff@example.com")
    assert "no password yet" in text and "token" not in text
    domain.forgot(email=None, phone=PHONE)  # an SMS to the phone does prove it
    signed_in = domain.password_sign_in.reset(reset_token_in(outbox(PHONE)), "set by sms link")
    assert domain.accounts.me(principal_of(domain, signed_in.token)).account.phone_verified


# --- credentials ----------------------------------------------------------------------------


def test_an_existing_customer_gets_credentials_only_after_proving_the_phone(domain, outbox) -> None:
    created = domain.registration.find_or_create(NewCustomer(phone=PHONE, name="Created by staff")).customer
    claimed = Principal(account_id=created.customer_id, role="customer", customer_id=created.customer_id, method="pwd")
    with pytest.raises(Forbidden) as refused:
        domain.credentials.change(claimed, CredentialsChange(password="i know the phone only"))
    assert refused.value.field == "phone"
    proved = principal_of(domain, sign_in_by_code(domain, outbox).token)
    assert proved.customer_id == created.customer_id
    assert domain.credentials.change(proved, CredentialsChange(password="now it is mine")).account.has_password


def test_changing_a_password_needs_the_current_one_unless_signed_in_by_code(domain, outbox) -> None:
    with_password(domain, outbox)
    by_password = principal_of(
        domain,
        domain.password_sign_in.login(email="asha@example.com", phone=None, password="correct horse battery").token,
    )
    with pytest.raises(InvalidInput) as missing:
        domain.credentials.change(by_password, CredentialsChange(password="another password"))
    assert missing.value.field == "current_password"
    with pytest.raises(Forbidden):
        domain.credentials.change(by_password, CredentialsChange(password="another one", current_password="wrong"))
    change = CredentialsChange(password="another password", current_password="correct horse battery")
    domain.credentials.change(by_password, change)
    domain.password_sign_in.login(email="asha@example.com", phone=None, password="another password")


def test_an_email_belongs_to_one_account(domain: Domain, outbox) -> None:
    domain.staff.create(NewStaff(email="ravi@example.com", role="delivery_boy", password="delivery route 42"))
    caller = principal_of(domain, sign_in_by_code(domain, outbox).token)
    domain.credentials.change(caller, CredentialsChange(email="RAVI@example.com", password="a long password"))
    assert "already belongs to an account" in outbox("ravi@example.com")  # the inbox hears, not the caller
    assert domain.accounts.me(caller).account.email is None
    with pytest.raises(EmailTaken):
        domain.staff.create(NewStaff(email="ravi@example.com", role="admin"))
    set_email(domain, outbox, caller, "asha@example.com")
    with pytest.raises(EmailTaken):
        domain.staff.create(NewStaff(email="asha@example.com", role="supplier"))
    with pytest.raises(EmailTaken):
        domain.registration.find_or_create(NewCustomer(phone="+919812345678", email="ravi@example.com"))
    set_email(domain, outbox, caller, "asha.new@example.com")  # the old email is freed
    domain.staff.create(NewStaff(email="asha@example.com", role="supplier"))


# --- staff ----------------------------------------------------------------------------------


def test_staff_accounts_sign_in_by_email_and_have_no_customer(domain: Domain) -> None:
    account = domain.staff.create(
        NewStaff(email="Ravi@Example.com", role="delivery_boy", name="Ravi", password="delivery route 42")
    )
    assert account.role == "delivery_person" and account.account_id.startswith("stf_") and account.has_password
    caller = principal_of(
        domain,
        domain.password_sign_in.login(email="ravi@example.com", phone=None, password="delivery route 42").token,
    )
    assert (caller.role, caller.customer_id, caller.account_id) == ("delivery_person", None, account.account_id)
    me = domain.accounts.me(caller)
    assert me.customer is None and me.account.email == "ravi@example.com"


def test_only_delivery_persons_can_be_assigned_and_they_list_only_theirs(domain: Domain) -> None:
    ravi = domain.staff.create(NewStaff(email="ravi@example.com", role="delivery_person"))
    seller = domain.staff.create(NewStaff(email="seller@example.com", role="supplier"))
    asha = domain.registration.find_or_create(NewCustomer(phone=PHONE)).customer
    other = domain.registration.find_or_create(NewCustomer(phone="+919812345678")).customer
    for wrong in (seller.account_id, "stf_missing"):
        with pytest.raises(InvalidReference) as refused:
            domain.profiles.update(asha.customer_id, CustomerChanges(delivery_person_id=wrong))
        assert (refused.value.code, refused.value.field) == ("invalid_delivery_person_id", "delivery_person_id")
    assigned = domain.profiles.update(asha.customer_id, CustomerChanges(delivery_person_id=ravi.account_id))
    assert assigned.delivery_person_id == ravi.account_id
    page = domain.listing.customers(status=None, area=None, limit=10, cursor=None, delivery_person_id=ravi.account_id)
    assert [c.customer_id for c in page.items] == [asha.customer_id]
    assert other.customer_id not in {c.customer_id for c in page.items}
    domain.profiles.update(asha.customer_id, CustomerChanges(delivery_person_id=None))
    empty = domain.listing.customers(status=None, area=None, limit=10, cursor=None, delivery_person_id=ravi.account_id)
    assert empty.items == []


@pytest.mark.parametrize(
    ("role", "customer_id", "account_id", "allowed"),
    [
        ("admin", None, "stf_x", True),
        ("customer", "cus_a", "cus_a", True),
        ("customer", "cus_b", "cus_b", False),
        ("delivery_person", None, "stf_d", True),
        ("delivery_person", None, "stf_e", False),
        ("supplier", None, "stf_d", False),
        ("marketing_staff", None, "stf_d", False),
        ("marketing_staff", None, "stf_m", True),  # the marketing person who signed the customer up
    ],
)
def test_who_may_see_a_customer(role: str, customer_id: str | None, account_id: str, allowed: bool) -> None:
    from customer_identity.core.models.customers import Customer
    from customer_identity.use_cases.sign_in import access

    customer = Customer.model_construct(customer_id="cus_a", delivery_person_id="stf_d", marketing_person_id="stf_m")
    caller = Principal(account_id=account_id, role=role, customer_id=customer_id, method="pwd")
    assert access.may_see(caller, customer) is allowed
