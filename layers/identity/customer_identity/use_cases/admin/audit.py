"""The linkage audit: what the legacy systems never told, read cheaply on demand.

Counts come from the exact counters (:mod:`.stats`: one ``BatchGetItem``), examples from the sparse
``by_missing_linkage`` index (one small query per partition of a kind and of ``both``) and the
``CLAIMS`` partition of ``by_number`` (with one ``BatchGetItem`` of the claims), the alias figures
from the latest background alias check (:mod:`.alias_check`: one ``GetItem``), and the deactivated
delivery persons who still have customers from the staff index (one query, then one per such person
on the first page of 10). Nothing here scans.
"""

from __future__ import annotations

from collections.abc import Callable

from customer_identity.core.audit_models import AuditReport, CustomerExample, CustomerFinding, ReviewFinding
from customer_identity.core.clock import utc_now
from customer_identity.core.models.accounts import StrandedPage
from customer_identity.storage import audit, keys
from customer_identity.storage import stats as stored
from customer_identity.storage.entities import CustomerItem
from customer_identity.use_cases.admin.alias_check import MAX_EXAMPLES, state_view
from customer_identity.use_cases.identity import stats
from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers


class Audit:
    def __init__(self, numbers: CustomerNumbers, stranded: Callable[[], StrandedPage]) -> None:
        self.numbers = numbers
        self.stranded = stranded  # deactivated delivery persons still assigned customers (first page)

    def report(self) -> AuditReport:
        totals = stored.read_totals()
        live = int(totals.get(stats.CUSTOMERS_TOTAL, 0))
        with_login = int(totals.get(stats.CUSTOMERS_WITH_LOGIN, 0))
        with_email = int(totals.get(stats.CUSTOMERS_WITH_EMAIL, 0))
        claims, claim_examples = audit.claims(limit=MAX_EXAMPLES)
        by_reason = {
            name.removeprefix(stats.REVIEW_OPEN_BY_REASON): int(value)
            for name, value in sorted(totals.items())
            if name.startswith(stats.REVIEW_OPEN_BY_REASON) and value
        }
        return AuditReport(
            generated_at=utc_now(),
            customers_total=live,
            cannot_sign_in=self._finding(live - with_login, keys.MISSING_LOGIN),
            without_email=self._finding(live - with_email, keys.MISSING_EMAIL),
            without_number=CustomerFinding(count=claims, examples=[self._example(c) for c in claim_examples]),
            review=ReviewFinding(open=int(totals.get(stats.REVIEW_OPEN, 0)), by_reason=by_reason),
            aliases=state_view(audit.alias_check_state()),
            deactivated_delivery_persons=self.stranded(),
        )

    def _finding(self, count: int, missing: str) -> CustomerFinding:
        examples = audit.missing_linkage_examples(missing, limit=MAX_EXAMPLES) if count else []
        return CustomerFinding(count=count, examples=[self._example(item) for item in examples])

    def _example(self, item: CustomerItem) -> CustomerExample:
        number = int(item.customer_number) if item.customer_number is not None else None
        return CustomerExample(
            customer_id=item.customer_id,
            customer_number=self.numbers.format(number) if number is not None else None,
            name=item.name,
            status=item.status,
        )
