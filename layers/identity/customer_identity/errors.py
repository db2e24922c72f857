"""Typed domain errors. ``api.py`` maps them to HTTP in one place; nothing matches on text."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a caller can cause or must be told about."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"

    def __init__(self, message: str, *, field: str, code: str | None = None) -> None:
        super().__init__(message, field=field)
        if code:
            self.code = code


class InvalidPhone(InvalidInput):
    def __init__(self, message: str, *, field: str = "phone") -> None:
        super().__init__(message, field=field, code="invalid_phone")


class InvalidReference(InvalidInput):
    """A field names something that does not exist (or is not of the right kind)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message, field=field, code=f"invalid_{field}")


class InvalidCursor(DomainError):
    status = 400
    code = "invalid_cursor"

    def __init__(self, message: str = "cursor is not one this API returned") -> None:
        super().__init__(message, field="cursor")


class CustomerNotFound(DomainError):
    status = 404
    code = "customer_not_found"

    def __init__(self, ref: str) -> None:
        super().__init__(f"no customer matches {ref!r}")


class BookingNotFound(DomainError):
    status = 404
    code = "booking_not_found"

    def __init__(self, booking_id: str) -> None:
        super().__init__(f"no booking {booking_id!r}")


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PhoneTaken(Conflict):
    code = "phone_taken"

    def __init__(self) -> None:
        super().__init__("another customer already has this phone number", field="phone")


class EmailTaken(Conflict):
    code = "email_taken"

    def __init__(self) -> None:
        super().__init__("another customer already has this email address", field="email")


class LegacyIdTaken(Conflict):
    code = "legacy_id_taken"

    def __init__(self, legacy_id: str) -> None:
        super().__init__(f"legacy id {legacy_id!r} already belongs to another customer", field="legacy_ids")


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


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used for a different request", field="Idempotency-Key")


class Unauthenticated(DomainError):
    """No valid token: missing, malformed, tampered, expired (401 with ``WWW-Authenticate``)."""

    status = 401
    code = "unauthenticated"

    def __init__(self, message: str = "send a valid bearer token (Authorization: Bearer <token>)") -> None:
        super().__init__(message, field="Authorization")
        self.headers = {"WWW-Authenticate": 'Bearer realm="customer-identity"'}


class InvalidCredentials(DomainError):
    """One answer for an unknown login name and a wrong password."""

    status = 401
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__("email/phone or password is wrong")


class InvalidCode(DomainError):
    status = 401
    code = "invalid_code"

    def __init__(self) -> None:
        super().__init__("the code is wrong, expired or already used; request a new one", field="code")


class InvalidResetToken(DomainError):
    status = 400
    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("the reset token is wrong, expired or already used; request a new one", field="token")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"

    def __init__(self, message: str = "your role does not allow this", *, field: str | None = None) -> None:
        super().__init__(message, field=field)


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        if code:
            self.code = code
        self.retry_after = max(1, int(retry_after))
        self.headers = {"Retry-After": str(self.retry_after)}


class DeliveryFailed(DomainError):
    """The SMS or email could not be handed to the provider; nothing else changed."""

    status = 503
    code = "delivery_failed"

    def __init__(self) -> None:
        super().__init__("the message could not be sent; retry shortly")


class Busy(DomainError):
    """Contention did not clear within the time budget; the request changed nothing."""

    status = 503
    code = "busy"

    def __init__(self) -> None:
        super().__init__("too many concurrent writes; nothing was changed, retry shortly")
