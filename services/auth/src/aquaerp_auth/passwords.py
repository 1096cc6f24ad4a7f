"""Password hashing (argon2id) and the password policy of NIST SP 800-63B: a length of 12 to
128 characters, no composition rules, and a refusal of what an attacker tries first: common
passwords (zxcvbn's 30,000 most frequent leaked ones, plus a French list shipped here, with or
without digits and punctuation around them), the product's and the person's own words,
repeated characters, runs and keyboard walks. Control characters are refused. Messages are
French: they are shown as they are next to the field."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

from aquaerp_runtime.errors import InvalidArgument
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_DISTINCT = 5
# What is left once the predictable parts are taken out must be this long.
MIN_OWN_PART = 4
PRODUCT_WORDS = ("aquaerp", "piscine", "piscines", "pool")
FRENCH_LIST = Path(__file__).with_name("common_passwords_fr.txt")
# Rows of the AZERTY and QWERTY keyboards and the digits, for runs and keyboard walks.
SEQUENCES = (
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "azqswxedcrfvtgbyhnujikolpm",
    "qazwsxedcrfvtgbyhnujmikolp",
)
DECORATION = re.compile(r"[\W\d_]+")


def _plain(text: str) -> str:
    """Lower case without accents: "Été" and "ete" are the same word to an attacker."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    french = (
        line.strip()
        for line in FRENCH_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(_plain(p) for p in [*FREQUENCY_LISTS["passwords"], *french])


def _is_walk(text: str) -> bool:
    """A run of a sequence, forwards or backwards ("123456789012", "azertyuiopqs", "9876")."""
    if len(text) < 4:
        return False
    for sequence in SEQUENCES:
        cycle = sequence * 3
        if text in cycle or text[::-1] in cycle:
            return True
    return False


def _context_words(email: str, name: str) -> list[str]:
    words = list(PRODUCT_WORDS)
    local = _plain(email.split("@")[0]) if email else ""
    if local:
        words.append(local)
        words += [part for part in re.split(r"[._+\-]", local) if len(part) >= 3]
    words += [part for part in re.split(r"\W+", _plain(name)) if len(part) >= 3]
    return sorted(set(words), key=len, reverse=True)


def _refuse(field: str, message: str) -> InvalidArgument:
    return InvalidArgument(message, fields={field: message})


def check_policy(
    password: str, *, email: str = "", name: str = "", field: str = "password"
) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise _refuse(field, "le mot de passe ne doit pas contenir de caractère de contrôle")
    if len(password) < MIN_LENGTH:
        raise _refuse(field, f"le mot de passe doit avoir au moins {MIN_LENGTH} caractères")
    if len(password) > MAX_LENGTH:
        raise _refuse(field, f"le mot de passe doit avoir au plus {MAX_LENGTH} caractères")
    plain = _plain(password)
    if len(set(plain.replace(" ", ""))) < MIN_DISTINCT:
        raise _refuse(field, "le mot de passe répète trop les mêmes caractères")
    compact = plain.replace(" ", "")
    if _is_walk(compact):
        raise _refuse(field, "le mot de passe est une suite de caractères trop prévisible")
    core = DECORATION.sub("", plain)
    common = common_passwords()
    if plain in common or compact in common or (len(core) >= MIN_OWN_PART and core in common):
        raise _refuse(field, "ce mot de passe est trop courant : choisissez-en un autre")
    if len(core) >= MIN_OWN_PART and _is_walk(core):
        raise _refuse(field, "le mot de passe est une suite de caractères trop prévisible")
    remainder = plain
    for word in _context_words(email, name):
        remainder = remainder.replace(word, "")
    if remainder != plain and len(DECORATION.sub("", remainder)) < MIN_OWN_PART:
        raise _refuse(
            field,
            "le mot de passe ne doit pas reposer sur le nom du produit, votre adresse e-mail "
            "ou votre nom",
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
