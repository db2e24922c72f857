"""Rate limits kept in the table: sends per address (sliding window) and password attempts per login name.

Both rewrite one versioned item conditioned on the version read, so concurrent requests are
applied one after another (a lost race reads again).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from pynamodb.exceptions import PutError

from customer_identity.core.clock import epoch
from customer_identity.core.errors import TooManyRequests
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.storage import keys, table
from customer_identity.storage.entities import LoginGuardItem, SendLogItem

SEND_LIMIT = 3
SEND_WINDOW_SECONDS = 15 * 60
LOGIN_MAX_FAILURES = 5
LOCKOUT_BASE_SECONDS = 60
LOCKOUT_MAX_SECONDS = 3600
GUARD_KEEP_SECONDS = 24 * 3600


class Limits:
    def __init__(self, budget_seconds: float) -> None:
        self.budget_seconds = budget_seconds

    def record_send(self, purpose: str, to: str) -> None:
        """Count a send to ``to``, or refuse it (429 ``too_many_codes``) if the window is full."""
        key = keys.send_log_key(purpose, to)

        def next_log(log: SendLogItem | None, now: float) -> SendLogItem:
            recent = [float(t) for t in (log.sent_at if log else []) if float(t) > now - SEND_WINDOW_SECONDS]
            if len(recent) >= SEND_LIMIT:
                raise TooManyRequests(
                    f"at most {SEND_LIMIT} codes per phone every {SEND_WINDOW_SECONDS // 60} minutes",
                    math.ceil(min(recent) + SEND_WINDOW_SECONDS - now),
                    code="too_many_codes",
                    field="phone",
                )
            return SendLogItem(*key, sent_at=[*recent, now], expiration=int(now + SEND_WINDOW_SECONDS) + 60)

        self._rewrite(SendLogItem, key, next_log)

    def take_login_attempt(self, login_name: str) -> None:
        """Count one password attempt on ``login_name``, or refuse it (429) while it is locked out."""
        key = keys.login_guard_key(login_name)

        def next_guard(guard: LoginGuardItem | None, now: float) -> LoginGuardItem:
            failures = int(guard.failures) if guard else 0
            strikes = int(guard.strikes) if guard else 0
            if guard is not None and failures >= LOGIN_MAX_FAILURES:
                locked_until = float(guard.last_attempt_at) + lockout_seconds(strikes)
                if now < locked_until:
                    raise TooManyRequests(
                        "too many failed sign-in attempts; try again later",
                        math.ceil(locked_until - now),
                        code="too_many_attempts",
                    )
                failures, strikes = 0, strikes + 1
            return LoginGuardItem(
                *key,
                failures=failures + 1,
                strikes=strikes,
                last_attempt_at=now,
                expiration=int(now + GUARD_KEEP_SECONDS),
            )

        self._rewrite(LoginGuardItem, key, next_guard)

    def clear_login_guard(self, login_name: str) -> None:
        LoginGuardItem(*keys.login_guard_key(login_name)).delete()

    def _rewrite[V: SendLogItem | LoginGuardItem](
        self, cls: type[V], key: keys.Key, next_item: Callable[[V | None, float], V]
    ) -> None:
        def attempt() -> None:
            current = table.get(cls, key)
            updated = next_item(current, epoch())
            version = int(current.version) if current else 0
            updated.version = version + 1
            try:
                updated.save(condition=cls.version == version if current else cls.pk.does_not_exist())
            except PutError as error:
                if not table.condition_failed(error):
                    raise
                raise LostRace from error

        retry_lost_races(attempt, self.budget_seconds)


def lockout_seconds(strikes: int) -> float:
    return float(min(LOCKOUT_BASE_SECONDS * 2 ** min(strikes, 16), LOCKOUT_MAX_SECONDS))
