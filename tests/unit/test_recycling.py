"""The recycling guard: a phone code for a customer idle PHONE_RECYCLE_DAYS opens nothing until the
person proves to be that customer (password, or a code sent to its email) or says the number is theirs
now (the phone is released from the old customer with a phone_recycled review item, and a new customer
gets the next number). The challenge answer is the same whatever the old account holds."""

from typing import Any

import boto3
import pytest

from customer_identity import runtime
from customer_identity.core.errors import InvalidChallenge, InvalidCredentials
from customer_identity.core.models.accounts import CredentialsChange, OtpVerified
from customer_identity.core.models.bookings import NewBooking
from customer_identity.core.models.customers import NewCustomer
from customer_identity.core.models.phones import RecycleChallenge, RecycleProof
from customer_identity.storage import keys
from customer_identity.storage.entities import CustomerItem, ReviewItem
from customer_identity.use_cases.sign_in.accounts import LoginAccount
from tests.stats_oracle import assert_stats_match_scan
from tests.unit.conftest import TABLE, TEST_IP, Domain, code_in, set_email

PHONE = "+919717619183"
LONG_AGO = "2025-01-01T00:00:00.000Z"


def idle(phone: str = PHONE) -> None:
    """Make the phone's customer idle for far longer than PHONE_RECYCLE_DAYS (90)."""
    CustomerItem(*keys.phone_key(phone)).update(
        actions=[CustomerItem.last_activity_at.set(LONG_AGO), CustomerItem.updated_at.set(LONG_AGO)]
    )


def verify(domain: Domain, outbox, phone: str = PHONE) -> OtpVerified | RecycleChallenge:
    domain.phone_sign_in.request(phone, source_ip=TEST_IP)
    return domain.phone_sign_in.verify(phone, code_in(outbox(phone)))


def guard():
    return runtime.recycle_guard()


def stats_match_scan() -> dict[str, Any]:
    stats = runtime.dashboard()().model_dump(mode="json")
    return assert_stats_match_scan(stats, boto3.client("dynamodb", region_name="us-east-1"), TABLE)


def test_an_active_customer_signs_in_and_a_dormant_one_gets_a_challenge_that_shows_nothing(
    domain: Domain, outbox
) -> None:
    domain.registration.find_or_create(NewCustomer(phone=PHONE, name="Asha", email="asha@example.com"))
    assert isinstance(verify(domain, outbox), OtpVerified)
    idle()
    answer = verify(domain, outbox)
    assert isinstance(answer, RecycleChallenge)
    shown = answer.model_dump()
    assert set(shown) == {"status", "challenge", "expires_in", "proofs"} and shown["proofs"] == [
        "password",
        "email",
        "new",
    ]
    assert "Asha" not in str(shown) and "asha@example.com" not in str(shown)


def test_the_challenge_answer_is_the_same_shape_whatever_the_account_holds(domain: Domain, outbox) -> None:
    domain.registration.find_or_create(NewCustomer(phone=PHONE, name="Asha", email="asha@example.com"))
    domain.registration.find_or_create(NewCustomer(phone="9800000003"))
    idle()
    idle("+919800000003")
    rich, bare = verify(domain, outbox), verify(domain, outbox, "+919800000003")
    assert isinstance(rich, RecycleChallenge) and isinstance(bare, RecycleChallenge)
    assert rich.model_dump(exclude={"challenge"}) == bare.model_dump(exclude={"challenge"})


def test_the_password_proves_the_same_customer_once(domain: Domain, outbox) -> None:
    verified = verify(domain, outbox)
    assert isinstance(verified, OtpVerified)
    principal = domain.accounts.tokens.verify(verified.token)
    domain.credentials.change(principal, CredentialsChange(password="correct horse battery"))
    idle()
    challenge = verify(domain, outbox)
    assert isinstance(challenge, RecycleChallenge)
    with pytest.raises(InvalidCredentials):
        guard().prove(RecycleProof(challenge=challenge.challenge, password="wrong password here"))
    signed_in = guard().prove(RecycleProof(challenge=challenge.challenge, password="correct horse battery"))
    assert signed_in is not None and signed_in.customer.customer_number == "PL1" and not signed_in.created
    with pytest.raises(InvalidChallenge):  # single use
        guard().prove(RecycleProof(challenge=challenge.challenge, password="correct horse battery"))
    assert isinstance(verify(domain, outbox), OtpVerified)  # active again


def test_an_email_code_proves_it_and_a_wrong_email_sends_nothing(domain: Domain, outbox) -> None:
    verified = verify(domain, outbox)
    assert isinstance(verified, OtpVerified)
    set_email(domain, outbox, domain.accounts.tokens.verify(verified.token), "asha@example.com")
    idle()
    challenge = verify(domain, outbox)
    assert isinstance(challenge, RecycleChallenge)
    assert guard().prove(RecycleProof(challenge=challenge.challenge, email="someone@example.com")) is None
    assert guard().prove(RecycleProof(challenge=challenge.challenge, email="Asha@Example.com")) is None
    code = code_in(outbox("asha@example.com"))
    signed_in = guard().prove(RecycleProof(challenge=challenge.challenge, email_code=code))
    assert signed_in is not None and signed_in.customer.customer_number == "PL1"


def test_five_wrong_proofs_use_the_challenge_up(domain: Domain, outbox) -> None:
    domain.registration.find_or_create(NewCustomer(phone=PHONE))
    idle()
    challenge = verify(domain, outbox)
    assert isinstance(challenge, RecycleChallenge)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            guard().prove(RecycleProof(challenge=challenge.challenge, password="wrong password here"))
    with pytest.raises(InvalidChallenge):
        guard().start_new(challenge.challenge)


def test_i_am_new_releases_the_phone_and_creates_a_customer_with_the_next_number(domain: Domain, outbox) -> None:
    old = domain.registration.find_or_create(NewCustomer(phone=PHONE, name="Asha", email="asha@example.com")).customer
    domain.registration.find_or_create(NewCustomer(phone="9800000003"))
    domain.bookings.create(NewBooking(customer="PL1", service="wash", amount="10.00"))
    idle()
    challenge = verify(domain, outbox)
    assert isinstance(challenge, RecycleChallenge)
    fresh = guard().start_new(challenge.challenge)
    assert fresh.created and fresh.customer.customer_number == "PL3" and fresh.customer.phone == PHONE
    assert fresh.customer.name is None and fresh.customer.email is None
    kept = domain.resolver.resolve("PL1").item
    assert (kept.customer_id, kept.phone, kept.email, kept.total_bookings) == (
        old.customer_id,
        None,
        "asha@example.com",
        1,
    )
    reviews = [item for item in ReviewItem.scan() if isinstance(item, ReviewItem)]
    assert [(r.reason, r.status) for r in reviews] == [("phone_recycled", "open")]
    with pytest.raises(InvalidChallenge):
        guard().start_new(challenge.challenge)
    stats = stats_match_scan()
    assert stats["phones_released"] == 1 and stats["customers"]["without_phone"] == 1 and stats["review_open"] == 1
    # the new customer signs in by code from now on
    again = verify(domain, outbox)
    assert isinstance(again, OtpVerified) and again.customer.customer_number == "PL3"


def test_a_booking_counts_as_activity(domain: Domain, outbox) -> None:
    domain.registration.find_or_create(NewCustomer(phone=PHONE))
    idle()
    domain.bookings.create(NewBooking(customer="PL1", service="wash", amount="10.00"))
    assert isinstance(verify(domain, outbox), OtpVerified)


def test_the_routes_answer_as_documented(invoke, outbox) -> None:
    invoke("create_customer")
    idle()
    runtime.phone_sign_in().request(PHONE, source_ip=TEST_IP)
    from tests.unit.test_ledger import body_event

    status, answer = invoke("verify_otp", body_event("verify_otp", {"phone": PHONE, "code": code_in(outbox(PHONE))}))
    assert status == 202 and answer["status"] == "proof_required", answer
    status, wrong = invoke(
        "prove_recycled", body_event("prove_recycled", {"challenge": answer["challenge"], "password": "not the one"})
    )
    assert status == 401 and wrong["error"]["code"] == "invalid_credentials"
    status, _sent = invoke(
        "prove_recycled", body_event("prove_recycled", {"challenge": answer["challenge"], "email": "x@example.com"})
    )
    assert status == 202
    status, fresh = invoke("start_recycled", body_event("start_recycled", {"challenge": answer["challenge"]}))
    assert status == 201 and fresh["created"] and fresh["customer"]["customer_number"] == "PL2"
    status, gone = invoke("start_recycled", body_event("start_recycled", {"challenge": answer["challenge"]}))
    assert status == 401 and gone["error"]["code"] == "invalid_challenge"
    _ = LoginAccount
