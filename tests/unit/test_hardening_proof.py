"""A phone nobody proved is never reported as proved (issue 11)."""

import json

from tests.unit.conftest import code_in, load_event


def test_an_admin_phone_change_clears_the_proof_of_the_old_phone(invoke, outbox) -> None:
    assert invoke("request_otp")[0] == 202
    verify = load_event("verify_otp")
    verify["body"] = json.dumps({"phone": "+919717619183", "code": code_in(outbox("+919717619183"))})
    status, signed_in = invoke("verify_otp", verify)
    assert status == 200
    customer_token = signed_in["token"]
    assert invoke("get_me", token=customer_token)[1]["account"]["phone_verified"] is True
    password = load_event("set_credentials") | {"body": json.dumps({"password": "correct horse battery"})}
    assert invoke("set_credentials", password, token=customer_token)[0] == 200

    patch = load_event("update_customer")
    patch["body"] = json.dumps({"phone": "+919800011122"})
    status, changed = invoke("update_customer", patch)
    assert status == 200 and changed["customer"]["phone"] == "+919800011122"

    # the phone was a login: the customer's sessions ended with the change
    status, ended = invoke("get_me", token=customer_token)
    assert (status, ended["error"]["code"]) == (401, "session_revoked")
    login = load_event("login") | {"body": json.dumps({"phone": "+919800011122", "password": "correct horse battery"})}
    status, signed_in = invoke("login", login)
    assert status == 200
    me = invoke("get_me", token=signed_in["token"])[1]
    assert me["account"]["phone"] == "+919800011122" and me["account"]["phone_verified"] is False
    # and the unproved phone cannot be used to set credentials until it is proved again
    status, refused = invoke("set_credentials", token=signed_in["token"])
    assert (status, refused["error"]["field"]) == (403, "phone")


def test_a_change_that_keeps_the_phone_keeps_the_proof(invoke, outbox) -> None:
    invoke("request_otp")
    verify = load_event("verify_otp")
    verify["body"] = json.dumps({"phone": "+919717619183", "code": code_in(outbox("+919717619183"))})
    customer_token = invoke("verify_otp", verify)[1]["token"]
    patch = load_event("update_customer")
    patch["body"] = json.dumps({"phone": "09717619183", "name": "Asha"})  # the same number, another shape
    assert invoke("update_customer", patch)[0] == 200
    assert invoke("get_me", token=customer_token)[1]["account"]["phone_verified"] is True
