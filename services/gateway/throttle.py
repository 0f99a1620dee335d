"""Sign-in throttling, the policy: given a user name's or an address's recent
failures, is it locked, and until when. Pure: the clock is an argument; the
records are kept by ``signin.py``.

A key (a user name, or a client address) is locked once it has ``failures``
failed sign-ins within ``window`` since its last lock ended; each lock lasts
twice as long as the one before (``first_lock``, 2x, 4x ... at most
``max_lock``). While locked, no password is checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.errors import DomainError


@dataclass(frozen=True)
class Rule:
    failures: int  # this many failures within the window lock the key
    window: timedelta
    first_lock: timedelta
    max_lock: timedelta


@dataclass(frozen=True)
class Record:
    """What is kept of one key: its latest failures, how many locks it has had, the last one's end."""

    failures: tuple[datetime, ...] = ()
    locks: int = 0
    locked_until: datetime | None = None


class SignInLocked(DomainError):
    """Too many failed sign-ins for this user name or from this address (answered 429 with Retry-After)."""

    def __init__(self, seconds: int) -> None:
        minutes = max(1, math.ceil(seconds / 60))
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        super().__init__("sign_in_locked", f"Too many failed sign-ins: try again in {wait}.")
        self.retry_after = seconds


def locked_until(record: Record, now: datetime) -> datetime | None:
    """The end of the key's lock, while it lasts."""
    return record.locked_until if record.locked_until is not None and record.locked_until > now else None


def recent_failures(record: Record, rule: Rule, now: datetime) -> int:
    """Failures within the window since the last lock ended (those before it have been paid for)."""
    ended = record.locked_until
    return sum(1 for at in record.failures if at > now - rule.window and (ended is None or at >= ended))


def lock_after_failure(record: Record, rule: Rule, now: datetime) -> datetime | None:
    """Until when the key is to be locked, given its record with the failure just made; None: not yet."""
    if locked_until(record, now) is not None:
        return None  # locked already (by a concurrent failure)
    if recent_failures(record, rule, now) < rule.failures:
        return None
    return now + min(rule.first_lock * 2**record.locks, rule.max_lock)


def retry_after(until: datetime, now: datetime) -> int:
    """Whole seconds until ``until``, at least 1 (for the Retry-After header)."""
    return max(1, math.ceil((until - now).total_seconds()))


def client_address(host: str, forwarded_for: str | None, trusted_proxies: frozenset[str]) -> str:
    """The caller's address for throttling.

    Behind a reverse proxy the connection's address (``request.client.host``)
    is the proxy's: every caller would share one address. Then the address is
    taken from ``X-Forwarded-For``, only when the connection comes from one of
    ``trusted_proxies`` (a caller can write any X-Forwarded-For of its own):
    the rightmost entry that is not itself a trusted proxy.
    """
    if host not in trusted_proxies or not forwarded_for:
        return host
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    untrusted = [hop for hop in hops if hop not in trusted_proxies]
    return untrusted[-1] if untrusted else host
