"""Names of files users send, as they are kept and shown."""

from __future__ import annotations

import re

from .pii import redact

UNSAFE_IN_NAMES = re.compile(r"[^\w .()\-]+")
MAX_NAME = 100


def safe_file_name(name: str | None, default: str) -> str:
    """A file's name as it is kept and shown (in events and the audit too): its
    last part only (no folders, no ``..``), without control characters or
    markup, without what looks like an SSN or a date (a member's file may be
    named after them), at most 100 characters with its extension kept."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = UNSAFE_IN_NAMES.sub("_", redact(base)).strip(" ._")
    if len(cleaned) > MAX_NAME:
        stem, dot, extension = cleaned.rpartition(".")
        keep = extension if dot and len(extension) <= 5 else ""
        cleaned = cleaned[: MAX_NAME - len(keep) - 1].rstrip(" ._") + ("." + keep if keep else "")
    return cleaned or default
