"""A correctly signed token whose claims have the wrong shape is a 401, never a 5xx (issue 11)."""

import time
import uuid

import jwt
import pytest

from customer_identity import runtime
from tests.unit.conftest import SIGNING_KEY


def signed(**changes: object) -> str:
    now = int(time.time())
    claims = {
        "iss": "customer-identity",
        "aud": "customer-identity-api",
        "sub": "stf_unit_admin",
        "role": "admin",
        "customer_id": None,
        "amr": ["local"],
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    for name, value in changes.items():
        if value is ...:
            claims.pop(name)
        else:
            claims[name] = value
    return jwt.encode(claims, SIGNING_KEY, algorithm="HS256")


CLAIMS = {
    "amr empty": {"amr": []},
    "amr a string": {"amr": "otp"},
    "amr of numbers": {"amr": [1]},
    "amr of lists": {"amr": [["otp"]]},
    "amr unknown": {"amr": ["magic"]},
    "amr missing": {"amr": ...},
    "amr null": {"amr": None},
    "sub a number": {"sub": 123},
    "sub empty": {"sub": ""},
    "sub a list": {"sub": ["stf_unit_admin"]},
    "sub an object": {"sub": {"id": 1}},
    "role a list": {"role": ["admin"]},
    "role an object": {"role": {"admin": True}},
    "role unknown": {"role": "root"},
    "role missing": {"role": ...},
    "customer without id": {"role": "customer", "customer_id": None, "sub": "cus_x"},
    "customer id a number": {"role": "customer", "customer_id": 5, "sub": "cus_x"},
    "customer id a list": {"role": "customer", "customer_id": ["cus_x"], "sub": "cus_x"},
    "staff with a customer id": {"customer_id": "cus_x"},
    "jti a list": {"jti": [1]},
}


@pytest.mark.parametrize("changes", CLAIMS.values(), ids=CLAIMS.keys())
@pytest.mark.parametrize("route", ["get_me", "get_customer"])
def test_a_signed_token_with_malformed_claims_is_401(invoke, route: str, changes: dict) -> None:
    status, body = invoke(route, token=signed(**changes))
    assert (status, body["error"]["code"]) == (401, "unauthenticated"), body


def test_a_well_formed_token_still_works(invoke) -> None:
    admin = runtime.tokens().verify(invoke.admin_token)  # a live session: every token is checked against its own
    token = signed(sub=admin.account_id, sid=admin.session_id)
    assert invoke("get_customer", token=token)[0] == 404  # authenticated; the sample customer does not exist
