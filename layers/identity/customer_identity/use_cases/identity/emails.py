"""Email addresses as keys: one spelling per address."""

from __future__ import annotations


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None
