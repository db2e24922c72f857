"""Objects built once per execution environment (cold start) and reused by warm invocations."""

from __future__ import annotations

from functools import cache

from customer_identity.customers import CustomerService
from customer_identity.settings import settings


@cache
def customer_service() -> CustomerService:
    return CustomerService(settings())
