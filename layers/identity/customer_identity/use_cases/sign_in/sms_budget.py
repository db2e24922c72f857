"""SMS pumping defence: which countries SMS may go to, and how many SMS per minute per client IP and in all.

Beyond the per-phone limit (:mod:`.limits`), every SMS the service sends on request -- a sign-in
code, a password reset by SMS -- is counted against two budgets of the current minute (fixed
windows of epoch minutes): one per client IP (``SMS_PER_IP_PER_MINUTE``) and one for everyone
(``SMS_GLOBAL_PER_MINUTE``). Each is one item taken with a conditional ``ADD``
(:func:`..storage.budgets.take_one`), so concurrent requests can never pass a budget.

* Order: the per-IP budget first, so a single client's flood is refused before it touches the
  global item; a request the global budget refuses has used its place in its IP's budget (the
  budgets err on refusing, never on sending).
* The global counter is one item per minute, not sharded: the count is exact, and the writes it
  takes are bounded by what reaches the function (API Gateway's throttling, WAF's per-IP rule,
  then the per-IP budget), far below the ~1,000 writes/s one partition accepts. Sharding would
  make the limit approximate (a full shard refusing while another has room) for no gain here.
* A fixed window lets up to twice a budget through across a minute's boundary; it is a cost cap,
  not a precise rate.
* Phones outside ``SMS_COUNTRIES`` (default: the default region) are refused (422, field
  ``phone``) before anything is counted or sent: premium-rate numbers abroad are what pumping
  fraud targets.
"""

from __future__ import annotations

import math

import phonenumbers

from customer_identity.core.clock import epoch
from customer_identity.core.errors import InvalidInput, TooManyRequests
from customer_identity.core.settings import Settings
from customer_identity.storage import budgets, keys

WINDOW_SECONDS = 60
KEEP_SECONDS = 3600  # a window's item is deleted (TTL) about an hour after it closes


class SmsBudget:
    def __init__(self, settings: Settings) -> None:
        self.regions = settings.sms_regions
        self.per_ip = settings.sms_per_ip_per_minute
        self.in_all = settings.sms_global_per_minute

    def check_country(self, e164: str, *, field: str = "phone") -> None:
        """Refuse (422 ``phone_country_not_allowed``) a phone outside the allowed regions."""
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164))
        if region not in self.regions:
            allowed = ", ".join(sorted(self.regions))
            raise InvalidInput(
                f"SMS are sent only to phones of {allowed}", field=field, code="phone_country_not_allowed"
            )

    def take(self, source_ip: str) -> None:
        """Count one SMS for a request from ``source_ip``, or refuse it (429) if a budget of this minute is spent."""
        now = epoch()
        minute = int(now // WINDOW_SECONDS)
        retry_after = math.ceil((minute + 1) * WINDOW_SECONDS - now)
        expires_at = (minute + 1) * WINDOW_SECONDS + KEEP_SECONDS
        if not budgets.take_one(keys.sms_ip_budget_key(source_ip, minute), limit=self.per_ip, expires_at=expires_at):
            raise TooManyRequests(
                f"at most {self.per_ip} codes per minute from one network address",
                retry_after,
                code="too_many_codes_from_address",
            )
        if not budgets.take_one(keys.sms_global_budget_key(minute), limit=self.in_all, expires_at=expires_at):
            raise TooManyRequests(
                "the service is sending as many codes as it may right now; try again in a minute",
                retry_after,
                code="sms_budget_exhausted",
            )
