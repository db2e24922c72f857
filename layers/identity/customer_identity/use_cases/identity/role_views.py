"""Answers cut to what the caller's role may see (core/models/role_views.py): one place, so no handler
can forget a field. Admins and customers get the full answer unchanged."""

from __future__ import annotations

from customer_identity.core.models.customers import Customer, CustomerPage, CustomerResult, ResolvedCustomer
from customer_identity.core.models.role_views import (
    DeliveryCustomer,
    DeliveryCustomerPage,
    DeliveryResolvedCustomer,
    MarketingCustomer,
    MarketingCustomerPage,
    MarketingCustomerResult,
    MarketingResolvedCustomer,
)

type CustomerPageAnswer = CustomerPage | DeliveryCustomerPage | MarketingCustomerPage
type ResolvedAnswer = ResolvedCustomer | DeliveryResolvedCustomer | MarketingResolvedCustomer


def delivery_customer(customer: Customer) -> DeliveryCustomer:
    return DeliveryCustomer.model_validate(customer.model_dump(include=set(DeliveryCustomer.model_fields)))


def marketing_customer(customer: Customer) -> MarketingCustomer:
    return MarketingCustomer.model_validate(customer.model_dump(include=set(MarketingCustomer.model_fields)))


def page_for(role: str, page: CustomerPage) -> CustomerPageAnswer:
    if role == "delivery_person":
        return DeliveryCustomerPage(items=[delivery_customer(c) for c in page.items], next_cursor=page.next_cursor)
    if role == "marketing_staff":
        return MarketingCustomerPage(items=[marketing_customer(c) for c in page.items], next_cursor=page.next_cursor)
    return page


def resolved_for(role: str, found: ResolvedCustomer) -> ResolvedAnswer:
    if role == "delivery_person":
        return DeliveryResolvedCustomer(customer=delivery_customer(found.customer), resolved_from=found.resolved_from)
    if role == "marketing_staff":
        return MarketingResolvedCustomer(customer=marketing_customer(found.customer), resolved_from=found.resolved_from)
    return found


def result_for(role: str, result: CustomerResult) -> CustomerResult | MarketingCustomerResult:
    if role == "marketing_staff":
        return MarketingCustomerResult(
            created=result.created,
            customer=marketing_customer(result.customer),
            ignored_fields=result.ignored_fields,
        )
    return result
