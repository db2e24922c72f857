"""The one retry helper for writes that lost a race: full-jitter exponential back-off in a time budget.

A use case wraps one attempt (read, decide, conditional write) in a function that raises
:class:`LostRace` when its condition did not hold; :func:`retry_lost_races` runs it again until it
succeeds, raises anything else, or the budget is spent (then :class:`~customer_identity.core.errors.Busy`:
nothing was written).
"""

from __future__ import annotations

from collections.abc import Callable

from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_delay, wait_random_exponential

from customer_identity.core.errors import Busy

BASE_DELAY_SECONDS = 0.02
MAX_DELAY_SECONDS = 2.0


class LostRace(Exception):
    """The attempt's conditional write did not apply because something changed meanwhile."""


def retry_lost_races[T](attempt: Callable[[], T], budget_seconds: float) -> T:
    retrying = Retrying(
        retry=retry_if_exception_type(LostRace),
        stop=stop_after_delay(budget_seconds),
        wait=wait_random_exponential(multiplier=BASE_DELAY_SECONDS, max=MAX_DELAY_SECONDS),
    )
    try:
        return retrying(attempt)
    except RetryError as error:
        raise Busy() from error
