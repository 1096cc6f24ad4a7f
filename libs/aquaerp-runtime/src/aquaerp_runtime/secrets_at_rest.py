"""Envelope encryption of secrets kept in a database column (TOTP secrets, third-party
credentials): each value gets its own random data key (AES-256-GCM), and that data key is
encrypted with a key-encryption key from the environment or a Kubernetes Secret.

Stored form: `enc1:<key id>:<wrapped data key>:<nonce + ciphertext>` (base64url). The key id
names the key-encryption key, so keys rotate: add a new key first in the list (it encrypts
from then on), keep the old ones until `reencrypt` has rewritten the values they protect.
Each value is bound to its purpose (e.g. "auth.users.totp_secret"): a value copied to another
column does not decrypt there.

Keys are given as `<id>:<base64 of 32 bytes>[,<id>:<base64>...]`, the first one current.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1"
NONCE_BYTES = 12
# Development only (the local stack and tests): derived from a public string, never secret.
DEVELOPMENT_KEYS = (
    "dev:"
    + base64.urlsafe_b64encode(hashlib.sha256(b"aquaerp local development").digest()).decode()
)


class SecretKeyError(ValueError):
    """A key list that cannot be used, or a value no configured key can decrypt."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_keys(value: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        key_id, _, encoded = entry.partition(":")
        try:
            key = _unb64(encoded.strip())
        except ValueError:
            raise SecretKeyError(f"key {key_id!r} is not base64") from None
        if not key_id or ":" in key_id or len(key) != 32:
            raise SecretKeyError(f"key {key_id!r} must be '<id>:<base64 of 32 bytes>'")
        keys[key_id] = key
    if not keys:
        raise SecretKeyError("no encryption key configured")
    return keys


@dataclass(frozen=True)
class SecretBox:
    keys: dict[str, bytes]
    current: str

    @classmethod
    def from_setting(cls, value: str) -> SecretBox:
        keys = parse_keys(value)
        return cls(keys, next(iter(keys)))

    @staticmethod
    def is_encrypted(stored: str) -> bool:
        return stored.startswith(PREFIX + ":")

    def encrypt(self, plaintext: str, purpose: str) -> str:
        data_key = AESGCM.generate_key(bit_length=256)
        aad = purpose.encode()
        wrap_nonce, value_nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
        wrapped = wrap_nonce + AESGCM(self.keys[self.current]).encrypt(wrap_nonce, data_key, aad)
        sealed = value_nonce + AESGCM(data_key).encrypt(value_nonce, plaintext.encode(), aad)
        return f"{PREFIX}:{self.current}:{_b64(wrapped)}:{_b64(sealed)}"

    def decrypt(self, stored: str, purpose: str) -> str:
        try:
            prefix, key_id, wrapped_text, sealed_text = stored.split(":")
        except ValueError:
            raise SecretKeyError("not an encrypted value") from None
        if prefix != PREFIX or key_id not in self.keys:
            raise SecretKeyError(f"no key {key_id!r} to decrypt this value")
        aad = purpose.encode()
        try:
            wrapped, sealed = _unb64(wrapped_text), _unb64(sealed_text)
            data_key = AESGCM(self.keys[key_id]).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], aad
            )
            plaintext = AESGCM(data_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except (InvalidTag, ValueError):
            raise SecretKeyError("the value does not decrypt with its key") from None
        return plaintext.decode()

    def needs_reencryption(self, stored: str) -> bool:
        return not stored.startswith(f"{PREFIX}:{self.current}:")

    def reencrypt(self, stored: str, purpose: str) -> str:
        """The value under the current key (rotation); plaintext values get encrypted."""
        plaintext = self.decrypt(stored, purpose) if self.is_encrypted(stored) else stored
        return self.encrypt(plaintext, purpose)
