"""Pydantic models: what callers send and what they get back, one module per concern.

``fields`` (shared field types), ``common`` (errors, accepted, health), ``customers``, ``numbering``,
``stats``, ``bookings``, ``review``, ``merges``, ``accounts``. Import from the module that holds a
model: a function's cold start then builds only the models it uses (docs/cold-start.md).
"""
