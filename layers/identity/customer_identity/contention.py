"""Retrying conditional writes that lost a race: full-jitter exponential back-off in a time budget."""

from __future__ import annotations

import random
import time

from customer_identity.errors import Busy

BASE_DELAY_SECONDS = 0.02
MAX_DELAY_SECONDS = 2.0


class Contention:
    def __init__(self, budget_seconds: float) -> None:
        self._deadline = time.monotonic() + budget_seconds
        self.attempts = 0

    def wait(self) -> None:
        """Sleep before the next attempt, or raise :class:`Busy` once the budget is spent."""
        if time.monotonic() >= self._deadline:
            raise Busy()
        ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** min(self.attempts, 10))
        self.attempts += 1
        time.sleep(random.uniform(0, ceiling))
