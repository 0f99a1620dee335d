"""Thin helpers for members' personal data: a keyed hash to match SSNs without
keeping them, and the masked form shown to people and other systems."""

from __future__ import annotations

import hashlib
import hmac
import re

_NON_DIGITS = re.compile(r"\D")
# How shared.crypto marks an encrypted value.
SEALED_PREFIX = "enc:1:"


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def ssn_digits(value: str | None) -> str | None:
    """The nine digits of an SSN written as 123456789 or 123-45-6789, else None."""
    if value is None:
        return None
    text = value.strip()
    if not re.fullmatch(r"\d{3}-?\d{2}-?\d{4}", text):
        return None
    return _NON_DIGITS.sub("", text)


def ssn_hash(digits: str, key: str) -> str:
    return hmac.new(key.encode(), digits.encode(), hashlib.sha256).hexdigest()


def last4(digits: str | None) -> str | None:
    return digits[-4:] if digits else None


# What could be an SSN or a date (of birth) in free text. Nine digits next to
# hex digits are left alone: they are a part of an id (upload ids are hex).
_SSN_LIKE = re.compile(r"(?<![\dA-Fa-f-])\d{3}[-. ]?\d{2}[-. ]?\d{4}(?![\dA-Fa-f-])")
_DATE_LIKE = re.compile(r"(?<!\d)(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?!\d)")


def redact(text: str) -> str:
    """``text`` with anything that looks like an SSN or a date replaced, for
    log lines that may quote what a user typed (an exception's message)."""
    return _DATE_LIKE.sub("[date]", _SSN_LIKE.sub("[ssn]", text))


def masked_ssn(value: str | None) -> str | None:
    """What a viewer who does not need the SSN sees: its last four digits."""
    digits = _NON_DIGITS.sub("", value or "")
    return f"***-**-{digits[-4:]}" if len(digits) >= 4 else None
