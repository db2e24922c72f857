"""Customer numbers: the counter's state and moving it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from customer_identity.core.models.common import Answer
from customer_identity.core.models.fields import Input


class NextNumber(Input):
    """Body of ``PUT /admin/customer-numbers``."""

    next: Annotated[int, Strict()] = Field(ge=1, le=10**11, description="The number the next new customer gets")


class NumberingState(Answer):
    next_number: int
    next_customer_number: str
    last_issued: str | None


class NumberingOverview(NumberingState):
    """``GET /admin/customer-numbers``: the counter's state and the prefix numbers are shown with."""

    prefix: str
