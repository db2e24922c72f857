"""Domain logic of the customer-identity service (the shared Lambda layer).

One phone number is one customer: find-or-create by phone is race-safe, every customer
gets a stable number (``PL1``, ``PL2``, ...) and every other identifier resolves to it.
"""
