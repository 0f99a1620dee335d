"""Members' SSN and date of birth, encrypted field by field (AES-GCM), and
stored files encrypted whole.

Where these must be kept — the application of record, the stored original
file, the internal topics — they are kept as ``enc:1:<key id>:<base64>``
(nonce, ciphertext and tag; the field's name is bound in as associated data,
so a value cannot be moved to another field). Keys come from settings
(``PII_ENCRYPTION_KEYS``: ``id=base64key,...``, the first one encrypts, all
of them decrypt), so keys rotate: add a new one first, re-encrypt at leisure,
drop the old one last. Values written before encryption (clear text) still
read, so data from before this change is not lost.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .contracts.columns import SENSITIVE_COLUMNS
from .pii import SEALED_PREFIX
from .settings import DEMO_SECRET

PREFIX = SEALED_PREFIX
FILE_MAGIC = b"ENC1"
NONCE_BYTES = 12


class UnreadableSecret(ValueError):
    """A value encrypted with a key this deployment does not hold, or altered."""


class FieldCipher:
    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"PII encryption key {current!r} is not among the keys given")
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current

    @classmethod
    def from_setting(cls, value: str) -> FieldCipher:
        """Keys as the setting gives them: ``id=base64key,id2=base64key`` (32-byte
        keys; the first encrypts). The demo secret stands for one demo key."""
        if value == DEMO_SECRET:
            return cls({"demo": hashlib.sha256(DEMO_SECRET.encode()).digest()}, "demo")
        keys: dict[str, bytes] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            key_id, _, encoded = item.partition("=")
            key = base64.b64decode(encoded, validate=True) if encoded else b""
            if not key_id or ":" in key_id or len(key) != 32:
                raise ValueError("PII_ENCRYPTION_KEYS: give id=<32 bytes in base64>, comma-separated")
            keys[key_id] = key
        if not keys:
            raise ValueError("PII_ENCRYPTION_KEYS is empty")
        return cls(keys, next(iter(keys)))

    # --- fields ---------------------------------------------------------------
    def encrypt(self, field: str, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self._current].encrypt(nonce, value.encode(), field.encode())
        return f"{PREFIX}{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, field: str, value: str) -> str:
        if not value.startswith(PREFIX):
            return value  # written before encryption
        key_id, _, encoded = value[len(PREFIX) :].partition(":")
        if key_id not in self._aead:
            raise UnreadableSecret(f"{field} is encrypted with key {key_id!r}, which this deployment does not hold")
        try:
            raw = base64.urlsafe_b64decode(encoded)
            return self._aead[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], field.encode()).decode()
        except (InvalidTag, ValueError, UnicodeDecodeError) as exc:  # binascii.Error is a ValueError
            raise UnreadableSecret(f"{field} could not be decrypted: altered, or another field's value") from exc

    def seal(self, cells: Mapping[str, str | None]) -> dict[str, str | None]:
        """The cells with the sensitive ones encrypted. Always: cells come from
        users (a file, an edit), and a user's text that looks encrypted is
        still only text."""
        return {k: self.encrypt(k, v) if k in SENSITIVE_COLUMNS and v else v for k, v in cells.items()}

    def open(self, cells: Mapping[str, str | None]) -> dict[str, str | None]:
        """The cells with the sensitive ones decrypted; UnreadableSecret if one cannot be."""
        return {k: self.decrypt(k, v) if k in SENSITIVE_COLUMNS and v else v for k, v in cells.items()}

    def open_readable(self, cells: Mapping[str, str | None]) -> tuple[dict[str, str | None], list[str]]:
        """The cells decrypted, a cell that cannot be (a key no longer held) left empty;
        and which those were."""
        opened, unreadable = dict(cells), []
        for key in SENSITIVE_COLUMNS & cells.keys():
            try:
                opened[key] = self.decrypt(key, cells[key]) if cells[key] else cells[key]
            except UnreadableSecret:
                opened[key] = None
                unreadable.append(key)
        return opened, unreadable

    # --- whole files ------------------------------------------------------------
    def encrypt_file(self, name: str, data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._current.encode()
        sealed = self._aead[self._current].encrypt(nonce, data, name.encode())
        return FILE_MAGIC + bytes([len(key_id)]) + key_id + nonce + sealed

    def decrypt_file(self, name: str, data: bytes) -> bytes:
        if not data.startswith(FILE_MAGIC):
            return data  # stored before encryption
        length = data[len(FILE_MAGIC)]
        start = len(FILE_MAGIC) + 1
        key_id = data[start : start + length].decode()
        if key_id not in self._aead:
            raise UnreadableSecret(f"file {name} is encrypted with key {key_id!r}, which this deployment does not hold")
        body = data[start + length :]
        try:
            return self._aead[key_id].decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], name.encode())
        except InvalidTag as exc:
            raise UnreadableSecret(f"file {name} could not be decrypted: altered") from exc
