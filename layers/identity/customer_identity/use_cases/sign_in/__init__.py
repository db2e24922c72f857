"""Signing in: login accounts, phone codes, passwords and resets, email proofs, tokens and sessions,
attempt limits and the SMS budget, notifications, and the access rules of each role."""
