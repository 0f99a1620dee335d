"""Thin helpers for members' personal data: a keyed hash to match SSNs without
keeping them, and the masked form shown to people and other systems."""

from __future__ import annotations

import hashlib
import hmac
import re

_NON_DIGITS = re.compile(r"\D")


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
