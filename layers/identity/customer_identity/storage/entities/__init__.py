"""The items of the single table as PynamoDB classes (``entity`` is the discriminator).

Key shapes come from :mod:`customer_identity.storage.keys`. A customer's primary and index keys
are derived from its fields whenever it is serialised, so no write can forget them. Every item
class is imported here, so each is registered with the discriminator whichever is used first.
"""

from __future__ import annotations

from customer_identity.storage.entities.account_items import (  # noqa: F401 (the package's API)
    EmailProofItem,
    LoginGuardItem,
    OtpItem,
    OutboxItem,
    ResetTokenItem,
    SendLogItem,
    StaffEmailItem,
    StaffItem,
)
from customer_identity.storage.entities.base import (  # noqa: F401 (the package's API)
    DecimalAttribute,
    TableItem,
)
from customer_identity.storage.entities.customer_items import (  # noqa: F401 (the package's API)
    AliasItem,
    BookingItem,
    BookingRefItem,
    CounterItem,
    CustomerItem,
    LedgerEntryItem,
    LedgerRequestItem,
)
from customer_identity.storage.entities.household_items import MemberNameItem  # noqa: F401 (the package's API)
from customer_identity.storage.entities.legacy_items import LegacyRecordItem  # noqa: F401 (the package's API)
from customer_identity.storage.entities.operation_items import (  # noqa: F401 (the package's API)
    BackfillRunItem,
    ConsoleBackfillRunItem,
    MergeItem,
    MergeLinkItem,
    ReviewItem,
)
from customer_identity.storage.entities.phone_items import (  # noqa: F401 (the package's API)
    PhoneHistoryItem,
    RecycleChallengeItem,
)
from customer_identity.storage.entities.session_items import SessionItem  # noqa: F401 (the package's API)
