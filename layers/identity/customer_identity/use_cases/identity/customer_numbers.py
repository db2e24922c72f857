"""Customer numbers as people see them: the prefix and the number (``PL24``, typed in any case)."""

from __future__ import annotations

import re

from customer_identity.storage.keys import NUMBER_WIDTH


class CustomerNumbers:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._pattern = re.compile(rf"{re.escape(prefix)}([0-9]{{1,{NUMBER_WIDTH}}})", re.IGNORECASE | re.ASCII)

    def format(self, number: int) -> str:
        return f"{self.prefix}{number}"

    def parse(self, ref: str) -> int | None:
        match = self._pattern.fullmatch(ref)  # ASCII digits only: PL٣ is not PL3
        return int(match.group(1)) if match else None
