"""PUT /me/credentials never tells whether an email is taken; an email counts once its inbox proves it (issue 11)."""

import json

from customer_identity.core.models.accounts import NewStaff
from customer_identity.use_cases.sign_in.notifications import outbox_messages
from tests.unit.conftest import code_in, email_token_in, load_event


def signed_in(invoke, outbox, phone: str = "+919717619183") -> str:
    assert invoke("request_otp", load_event("request_otp") | {"body": json.dumps({"phone": phone})})[0] == 202
    verify = load_event("verify_otp") | {"body": json.dumps({"phone": phone, "code": code_in(outbox(phone))})}
    status, body = invoke("verify_otp", verify)
    assert status == 200
    return body["token"]


def put(invoke, token: str, body: dict) -> tuple[int, dict]:
    return invoke("set_credentials", load_event("set_credentials") | {"body": json.dumps(body)}, token=token)


def login(invoke, email: str, password: str) -> int:
    return invoke("login", load_event("login") | {"body": json.dumps({"email": email, "password": password})})[0]


def test_asking_for_a_taken_email_answers_exactly_as_for_a_free_one(invoke, outbox, domain) -> None:
    domain.staff.create(NewStaff(email="ravi@example.com", role="admin", password="admin password 1"))
    token = signed_in(invoke, outbox)
    taken = put(invoke, token, {"email": "RAVI@example.com"})
    free = put(invoke, token, {"email": "asha@example.com"})
    assert taken == free and taken[0] == 202, (taken, free)
    assert invoke("get_me", token=token)[1]["account"]["email"] is None
    # the owner of the taken address hears about it, with nothing that would let anyone take it
    notice = outbox("ravi@example.com")
    assert "already belongs to an account" in notice and "token" not in notice
    assert email_token_in(outbox("asha@example.com"))


def test_an_email_counts_only_after_its_inbox_proves_it(invoke, outbox) -> None:
    token = signed_in(invoke, outbox)
    assert put(invoke, token, {"email": "asha@example.com", "password": "correct horse battery"})[0] == 202
    assert login(invoke, "asha@example.com", "correct horse battery") == 401  # not a login name yet
    proof = email_token_in(outbox("asha@example.com"))
    status, me = put(invoke, token, {"email_token": proof})
    assert status == 200 and me["account"]["email"] == "asha@example.com" and me["account"]["has_password"]
    assert login(invoke, "asha@example.com", "correct horse battery") == 200
    status, again = put(invoke, token, {"email_token": proof})
    assert (status, again["error"]["code"], again["error"]["field"]) == (400, "invalid_token", "email_token")


def test_an_email_token_works_only_for_the_account_that_asked(invoke, outbox) -> None:
    asha, ravi = signed_in(invoke, outbox), signed_in(invoke, outbox, "+919800011122")
    assert put(invoke, asha, {"email": "asha@example.com"})[0] == 202
    proof = email_token_in(outbox("asha@example.com"))
    status, refused = put(invoke, ravi, {"email_token": proof})
    assert (status, refused["error"]["code"]) == (400, "invalid_token")
    assert invoke("get_me", token=ravi)[1]["account"]["email"] is None
    assert put(invoke, asha, {"email_token": proof})[1]["account"]["email"] == "asha@example.com"


def test_email_proofs_are_rate_limited_per_address_silently(invoke, outbox) -> None:
    token = signed_in(invoke, outbox)
    answers = {str(put(invoke, token, {"email": "asha@example.com"})) for _ in range(5)}
    assert len(answers) == 1 and len(outbox_messages("asha@example.com")) == 3


def test_an_address_taken_after_the_token_was_sent_is_409_for_the_inbox_owner(invoke, outbox, domain) -> None:
    token = signed_in(invoke, outbox)
    assert put(invoke, token, {"email": "asha@example.com"})[0] == 202
    domain.staff.create(NewStaff(email="asha@example.com", role="supplier"))  # someone else took it meanwhile
    status, refused = put(invoke, token, {"email_token": email_token_in(outbox("asha@example.com"))})
    assert (status, refused["error"]["code"]) == (409, "email_taken")
