"""Bookings on the canonical customer, with exact totals; idempotent creation by ``Idempotency-Key``."""
