"""Typed domain errors: a stable ``code``, a message and the field at fault. No HTTP here:
``customer_identity.api`` maps each kind to a status in one table; nothing matches on text."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a caller can cause or must be told about."""

    code: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "invalid_input"

    def __init__(self, message: str, *, field: str, code: str | None = None) -> None:
        super().__init__(message, field=field)
        if code:
            self.code = code


class InvalidPhone(InvalidInput):
    def __init__(self, message: str, *, field: str = "phone") -> None:
        super().__init__(message, field=field, code="invalid_phone")


class PhoneNotAllowed(InvalidPhone):
    """A phone people type when they have none (``0000000000``, ``1234567890``, too short for its
    region, the business's own number): refused so that strangers are never made one customer through it."""

    def __init__(self, message: str, *, field: str = "phone") -> None:
        super().__init__(message, field=field)
        self.code = "phone_not_allowed"


class InvalidReference(InvalidInput):
    """A field names something that does not exist (or is not of the right kind)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field, code=f"invalid_{field}")


class InvalidCursor(DomainError):
    code = "invalid_cursor"

    def __init__(self, message: str = "cursor is not one this API returned") -> None:
        super().__init__(message, field="cursor")


class NotFound(DomainError):
    code = "not_found"


class CustomerNotFound(NotFound):
    code = "customer_not_found"

    def __init__(self, ref: str) -> None:
        super().__init__(f"no customer matches {ref!r}")


class BookingNotFound(NotFound):
    code = "booking_not_found"

    def __init__(self, booking_id: str) -> None:
        super().__init__(f"no booking {booking_id!r}")


class StaffNotFound(NotFound):
    code = "staff_not_found"

    def __init__(self, account_id: str) -> None:
        super().__init__(f"no staff account {account_id!r}", field="account_id")


class SessionNotFound(NotFound):
    code = "session_not_found"

    def __init__(self) -> None:
        super().__init__("you have no live session with this id", field="session_id")


class Conflict(DomainError):
    code = "conflict"


class OwnAccount(Conflict):
    """An admin may not take admin rights or access away from their own account."""

    code = "own_account"

    def __init__(self, field: str) -> None:
        super().__init__(
            "admins cannot deactivate or demote themselves; another admin must do it "
            "(so the last active admin can never be removed)",
            field=field,
        )


class MergeNotFound(NotFound):
    code = "merge_not_found"

    def __init__(self, merge_id: str) -> None:
        super().__init__(f"no merge {merge_id!r}", field="merge_id")


class MergeConflict(Conflict):
    """A merge or an undo that cannot happen as asked; ``code`` says why (the message names what).

    ``merge_into_itself``, ``customer_merged_away``, ``survivor_merged_away``, ``merge_in_progress``,
    ``merge_already_undone``, ``merge_not_undoable``, ``undo_blocked``.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.code = code


class NoPhone(Conflict):
    code = "no_phone"

    def __init__(self) -> None:
        super().__init__("the customer has no phone to release", field="ref")


class PhoneTaken(Conflict):
    code = "phone_taken"

    def __init__(self) -> None:
        super().__init__("another customer already has this phone number", field="phone")


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self, email: str | None = None) -> None:
        named = f" ({email})" if email else ""
        super().__init__(f"another customer already has this email address{named}", field="email")


class LegacyIdTaken(Conflict):
    code = "legacy_id_taken"

    def __init__(self, legacy_id: str) -> None:
        super().__init__(f"legacy id {legacy_id!r} already belongs to another customer", field="legacy_ids")


class AdminExists(Conflict):
    """The first-admin step runs once: an admin account (active or not) already exists."""

    code = "admin_exists"

    def __init__(self) -> None:
        super().__init__("an admin account already exists: sign in as that admin and add staff in the console")


class NextNumberTooLow(Conflict):
    code = "next_number_too_low"

    def __init__(self, requested: int, last_issued: int) -> None:
        super().__init__(
            f"next customer number must be above the highest issued ({last_issued}); got {requested}",
            field="next",
        )
        self.last_issued = last_issued


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"a {current} booking cannot become {wanted}", field="status")


class IdempotencyKeyReused(InvalidInput):
    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was used for a different request",
            field="Idempotency-Key",
            code="idempotency_key_reused",
        )


class ReviewNotFound(NotFound):
    code = "review_not_found"

    def __init__(self, review_id: str) -> None:
        super().__init__(f"no review item {review_id!r}", field="review_id")


class ReviewAlreadyResolved(Conflict):
    code = "review_already_resolved"

    def __init__(self, review_id: str, status: str) -> None:
        super().__init__(f"review item {review_id!r} is already {status}", field="review_id")


class ReviewNotAttachable(Conflict):
    """The held row names no customer data that could be attached (not JSON, no id, ...): dismiss it."""

    code = "review_not_attachable"

    def __init__(self, review_id: str, reason: str) -> None:
        super().__init__(f"review item {review_id!r} cannot be attached ({reason}); dismiss it", field="action")


class BookingExists(Conflict):
    code = "booking_exists"

    def __init__(self, legacy_id: str, booking_id: str) -> None:
        super().__init__(f"legacy booking {legacy_id!r} is already imported as {booking_id}", field="review_id")


class Unauthenticated(DomainError):
    """No valid token: missing, malformed, tampered, expired."""

    code = "unauthenticated"

    def __init__(self, message: str = "send a valid bearer token (Authorization: Bearer <token>)") -> None:
        super().__init__(message, field="Authorization")


class InvalidCredentials(Unauthenticated):
    """One answer for an unknown login name and a wrong password."""

    code = "invalid_credentials"

    def __init__(self) -> None:
        DomainError.__init__(self, "email/phone or password is wrong")


class AccountDeactivated(Unauthenticated):
    """A deactivated staff account: no sign-in, and its tokens stop working."""

    code = "account_deactivated"

    def __init__(self) -> None:
        DomainError.__init__(self, "this account is deactivated; ask an admin", field="Authorization")


class TokenRevoked(Unauthenticated):
    """The account's role changed (or it was deactivated) after this token was issued."""

    code = "token_revoked"

    def __init__(self) -> None:
        DomainError.__init__(self, "this token no longer matches its account; sign in again", field="Authorization")


class SessionRevoked(Unauthenticated):
    """The token's session ended (sign-out, expiry, a credential change, a reused refresh token), or the
    refresh token is not one this service issued: one answer for all of them."""

    code = "session_revoked"

    def __init__(self) -> None:
        DomainError.__init__(self, "this session has ended; sign in again", field="Authorization")


class InvalidCode(Unauthenticated):
    code = "invalid_code"

    def __init__(self) -> None:
        DomainError.__init__(self, "the code is wrong, expired or already used; request a new one", field="code")


class InvalidChallenge(Unauthenticated):
    """A recycling challenge that is unknown, expired, used up or out of attempts."""

    code = "invalid_challenge"

    def __init__(self) -> None:
        DomainError.__init__(
            self, "the challenge is wrong, expired or used up; sign in with a new phone code", field="challenge"
        )


class InvalidResetToken(DomainError):
    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("the reset token is wrong, expired or already used; request a new one", field="token")


class InvalidEmailToken(InvalidResetToken):
    def __init__(self) -> None:
        DomainError.__init__(
            self,
            "the email confirmation token is wrong, expired, already used or not for this account; ask again",
            field="email_token",
        )


class Forbidden(DomainError):
    code = "forbidden"

    def __init__(self, message: str = "your role does not allow this", *, field: str | None = None) -> None:
        super().__init__(message, field=field)


class CrossSiteRefused(Forbidden):
    """A refresh token sent as a cookie, on a request a page of another site could have made."""

    code = "cross_site_request"

    def __init__(self, header: str) -> None:
        super().__init__(f"refused: {header} shows a request another site could have made", field=header)


class TooManyRequests(DomainError):
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        if code:
            self.code = code
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    """Retry shortly: nothing was changed."""

    code = "unavailable"
    retry_after = 1


class DeliveryFailed(Unavailable):
    """The SMS or email could not be handed to the provider; nothing else changed."""

    code = "delivery_failed"

    def __init__(self) -> None:
        super().__init__("the message could not be sent; retry shortly")


class Busy(Unavailable):
    """Contention (or throttling) did not clear in time; the request changed nothing."""

    code = "busy"

    def __init__(self, message: str = "too many concurrent writes; nothing was changed, retry shortly") -> None:
        super().__init__(message)


class ConfigurationError(RuntimeError):
    """The execution environment is misconfigured (raised at cold start)."""


class AliasCheckRunning(Conflict):
    code = "alias_check_running"

    def __init__(self) -> None:
        super().__init__("an alias check is already running; follow it with GET /admin/audit")


class BackfillRunNotFound(NotFound):
    code = "backfill_run_not_found"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"no backfill run {run_id!r}", field="run_id")


class BackfillRunStarted(Conflict):
    """A run starts once: its files are read by the run it started, and a second start would be a second run."""

    code = "backfill_run_started"

    def __init__(self, run_id: str, status: str) -> None:
        super().__init__(
            f"backfill run {run_id!r} was already started (it is {status}); create a new run to run again",
            field="run_id",
        )


class InvalidExportFile(InvalidInput):
    """An uploaded export file the backfill cannot read; ``field`` names the file."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message, field=name, code="invalid_export_file")
