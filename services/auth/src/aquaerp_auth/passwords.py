"""Password hashing (argon2id) and the password policy (NIST SP 800-63B: length and a
common-password list, no composition rules)."""

from __future__ import annotations

from functools import cache

from aquaerp_runtime.errors import InvalidArgument
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type

MIN_LENGTH = 12
MAX_LENGTH = 128


@cache
def common_passwords() -> frozenset[str]:
    # zxcvbn ships the most common leaked passwords (about 30,000).
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


def check_policy(password: str, *, email: str = "", field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidArgument(
            f"password must have at least {MIN_LENGTH} characters",
            fields={field: f"at least {MIN_LENGTH} characters"},
        )
    if len(password) > MAX_LENGTH:
        raise InvalidArgument(
            f"password must have at most {MAX_LENGTH} characters",
            fields={field: f"at most {MAX_LENGTH} characters"},
        )
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        raise InvalidArgument(
            "this password is too common; choose another one",
            fields={field: "too common"},
        )


class Passwords:
    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )
        # Verified against when the email is unknown, so both cases take the same time.
        self._dummy_hash = self.hasher.hash("not a real password, only for timing")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash or self._dummy_hash, password) and bool(
                stored_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self.hasher.check_needs_rehash(stored_hash)
