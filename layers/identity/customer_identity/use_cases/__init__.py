"""Use cases, grouped by feature; each package's modules have one job each.

- :mod:`.identity`: one phone = one customer (phones, emails, numbering, registration, resolution,
  profiles, markers, listing, views, the counting rules); imports no other feature.
- :mod:`.sign_in`: accounts and sessions (codes, passwords, resets, email proofs, tokens, limits,
  SMS budget, notifications, access rules); builds on identity.
- :mod:`.bookings`: bookings on the canonical customer, with idempotent creation; builds on identity.
- :mod:`.backfill`: legacy exports in, one customer per phone out; builds on identity.
- :mod:`.admin`: merges, review queue, stats, audit, alias check, exports, staff; builds on the others.
- :mod:`.workers`: background work as asynchronous Lambda invocations.

They take and return the pydantic models of :mod:`customer_identity.core.models`; storage items
stay inside this layer and :mod:`customer_identity.storage`.
"""
