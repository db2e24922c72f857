"""Customer numbers: the counter's state, moving the next number, and issuing numbers to claims."""

from __future__ import annotations

from customer_identity.core.models.numbering import NumberingOverview, NumberingState
from customer_identity.core.retry import LostRace, retry_lost_races
from customer_identity.core.settings import Settings
from customer_identity.storage import counter
from customer_identity.use_cases.identity.customer_numbers import CustomerNumbers


class Numbering:
    def __init__(self, settings: Settings, numbers: CustomerNumbers) -> None:
        self.settings = settings
        self.numbers = numbers

    @property
    def start(self) -> int:
        return self.settings.customer_number_start

    def state(self) -> NumberingState:
        current = counter.read()
        if current is None:
            return self._state(self.start, None)
        return self._state(int(current.next_number), current.last_issued)

    def overview(self) -> NumberingOverview:
        """The counter's state with the prefix (``GET /admin/customer-numbers``): one ``GetItem``."""
        return NumberingOverview(prefix=self.numbers.prefix, **self.state().model_dump())

    def _state(self, next_number: int, last_issued: int | None) -> NumberingState:
        return NumberingState(
            next_number=next_number,
            next_customer_number=self.numbers.format(next_number),
            last_issued=self.numbers.format(int(last_issued)) if last_issued is not None else None,
        )

    def set_next(self, next_number: int) -> NumberingState:
        """Make ``next_number`` the next customer number; it must be above every number issued."""

        def attempt() -> NumberingState:
            # No counter yet: create it, unless a first customer got there first (then decide again).
            if counter.set_next(next_number) or counter.create(next_number):
                return self.state()
            raise LostRace

        return retry_lost_races(attempt, self.settings.contention_budget_seconds)

    def number_for_claim(self, customer_id: str) -> int:
        """The number of the claim ``customer_id``: the one already taken for it, else the next one."""
        reserved = counter.reserved_for(customer_id)
        if reserved is not None:
            return reserved
        return self.take_for_claim(customer_id, counter_exists=False)

    def take_for_claim(self, customer_id: str, *, counter_exists: bool) -> int:
        """Take the next number for the claim ``customer_id`` (creating the counter if there is none)."""
        if not counter_exists:
            counter.create(self.start)
        return counter.take_for(customer_id)

    def release(self, customer_id: str) -> None:
        counter.release(customer_id)
