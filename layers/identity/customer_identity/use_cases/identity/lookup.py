"""Looking a customer up by any reference, as callers see it."""

from __future__ import annotations

from collections.abc import Callable

from customer_identity.core.models.customers import Customer, ResolvedCustomer
from customer_identity.use_cases.identity.resolution import Resolver
from customer_identity.use_cases.identity.views import Views


class Lookup:
    def __init__(self, resolver: Resolver, views: Views) -> None:
        self.resolver = resolver
        self.views = views

    def find(self, ref: str, *, authorize: Callable[[Customer], None] | None = None) -> ResolvedCustomer:
        """The customer ``ref`` names and how it was found; ``authorize`` may refuse it."""
        resolved = self.resolver.resolve(ref)
        customer = self.views.customer(resolved.item)
        if authorize is not None:
            authorize(customer)
        return ResolvedCustomer(customer=customer, resolved_from=resolved.kind)
