"""The bottom layer: settings, errors, pydantic models, observability, clock, roles, retries.

Imports nothing else of the package; every other layer may import it.
"""
