"""Use cases: one module per job (registration, resolution, numbering, profiles, sign-in, bookings, ...).

They take and return the pydantic models of :mod:`customer_identity.core.models`; storage items
stay inside this layer and :mod:`customer_identity.storage`.
"""
