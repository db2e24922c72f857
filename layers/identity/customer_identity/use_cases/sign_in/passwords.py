"""Password hashing: argon2id for every new hash; legacy bcrypt hashes accepted and upgraded.

Verification of an unknown account runs against a dummy argon2id hash of the same cost, so that
"no such account" and "wrong password" take comparable time.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
from dataclasses import dataclass
from functools import cached_property

import bcrypt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT_MAX_BYTES = 72  # bcrypt only ever used the first 72 bytes; legacy systems hashed those


@dataclass(frozen=True)
class Verdict:
    ok: bool
    needs_rehash: bool = False


class Passwords:
    def __init__(self, *, memory_kib: int = 65536, time_cost: int = 3, parallelism: int = 4) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )

    @cached_property
    def _dummy(self) -> str:
        """A well-formed argon2id hash with this hasher's parameters, a random salt and a random digest:
        checking a password against it costs a real check, and making it costs nothing (no hash is
        computed, so the first unknown name an execution environment sees is not slower than the rest)."""
        hasher = self._hasher

        def encoded(size: int) -> str:
            return base64.b64encode(secrets.token_bytes(size)).decode().rstrip("=")

        parameters = f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
        return f"$argon2id$v=19${parameters}${encoded(hasher.salt_len)}${encoded(hasher.hash_len)}"

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> Verdict:
        """Whether ``password`` matches ``stored`` (None: no account or no password; always False)."""
        if stored and stored.startswith(BCRYPT_PREFIXES):
            try:
                ok = bcrypt.checkpw(password.encode()[:BCRYPT_MAX_BYTES], stored.encode())
            except ValueError:  # a corrupt legacy hash
                ok = False
            return Verdict(ok=ok, needs_rehash=ok)
        if stored and stored.startswith("$argon2"):
            try:
                self._hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return Verdict(ok=False)
            return Verdict(ok=True, needs_rehash=self._hasher.check_needs_rehash(stored))
        # Same work as a real check, so that a missing account cannot be told apart by time.
        with contextlib.suppress(VerificationError):
            self._hasher.verify(self._dummy, password)
        return Verdict(ok=False)
