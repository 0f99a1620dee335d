"""The sign-in guard: what the sign-in route asks before and after checking a
password, applying the policy of ``throttle.py`` to the records of
``signin_store.py`` and noting each failure, lockout and sign-in in the audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from shared.contracts.envelope import utcnow

from .settings import GatewaySettings
from .signin_store import USER_NAME_CHARS, Attempts, Audit, MongoAttempts, MongoAudit
from .throttle import Record, Rule, SignInLocked, lock_after_failure, locked_until, recent_failures, retry_after

__all__ = ["MongoAttempts", "MongoAudit", "SignInGuard", "rules"]
UNKNOWN_NAME = "(not a user of this portal)"


def rules(settings: GatewaySettings) -> dict[str, Rule]:
    """The policy for user names and for addresses, from the settings."""
    window, first, most = (
        timedelta(seconds=s)
        for s in (settings.sign_in_window_seconds, settings.sign_in_lock_seconds, settings.sign_in_max_lock_seconds)
    )
    return {
        "user name": Rule(settings.sign_in_user_failures, window, first, most),
        "address": Rule(settings.sign_in_address_failures, window, first, most),
    }


class SignInGuard:
    """What the sign-in route asks before and after checking a password."""

    def __init__(
        self,
        attempts: Attempts,
        audit: Audit,
        rules: dict[str, Rule],
        clock: Callable[[], datetime] = utcnow,
        known: Callable[[str], Awaitable[bool]] | None = None,
    ) -> None:
        self.attempts, self.audit, self.rules, self.clock = attempts, audit, rules, clock
        # Whether a user name is one of this portal's: only those are written to
        # the audit as typed (a mistyped password in the name field is not).
        self.known = known

    async def check(self, user_name: str, address: str) -> None:
        """Refuse (SignInLocked) while the user name or the address is locked."""
        now = self.clock()
        keys = _keys(user_name, address)
        found = await self.attempts.records(list(keys.values()))
        ends = [end for key in keys.values() if (end := locked_until(found.get(key, Record()), now))]
        if ends:
            seconds = retry_after(max(ends), now)
            await self._note(now, "sign_in_locked", user_name, address, f"refused: locked for {seconds} more seconds")
            raise SignInLocked(seconds)

    async def begin(self, user_name: str, address: str) -> datetime:
        """An attempt, counted as a failure before its password is checked (taken
        back if it succeeds): so guesses sent all at once cannot all pass the
        check before the first of them is counted. Refuses (SignInLocked) while
        locked, and an attempt beyond the limit. Returns the attempt's time."""
        await self.check(user_name, address)
        now = self.clock()
        if beyond := await self._count(user_name, address, now):
            await self._note(now, "sign_in_locked", user_name, address, "refused: beyond the limit")
            raise SignInLocked(retry_after(max(beyond), now))
        return now

    async def failed(self, user_name: str, address: str, counted_at: datetime | None = None) -> None:
        """A failed sign-in: audited, and counted unless ``begin`` counted it already."""
        now = counted_at or self.clock()
        await self._note(now, "sign_in_failed", user_name, address, "wrong user name or password")
        if counted_at is None:
            await self._count(user_name, address, now)

    async def _count(self, user_name: str, address: str, now: datetime) -> list[datetime]:
        """One more failure for the user name and the address; either is locked once
        it has too many. Returns the lock ends of those this failure is beyond the limit of."""
        beyond: list[datetime] = []
        for kind, key in _keys(user_name, address).items():
            rule = self.rules[kind]
            record = await self.attempts.add_failure(key, now, 2 * rule.failures + 1, now + rule.window)
            until = lock_after_failure(record, rule, now)
            if until is not None and await self.attempts.lock(key, record, until, until + rule.window):
                why = f"{rule.failures} failed sign-ins for this {kind}: locked for {retry_after(until, now)} seconds"
                await self._note(now, "sign_in_locked", user_name, address, why)
            if recent_failures(record, rule, now) > rule.failures:
                beyond.append(until or record.locked_until or now + rule.first_lock)
        return beyond

    async def succeeded(self, user_name: str, address: str, counted_at: datetime | None = None) -> None:
        """A sign-in clears the user name's failures; the address keeps others' but not this attempt."""
        keys = _keys(user_name, address)
        await self.attempts.clear(keys["user name"])
        if counted_at is not None:
            await self.attempts.forgive(keys["address"], counted_at)
        await self._note(self.clock(), "signed_in", user_name, address, "")

    async def _note(self, at: datetime, action: str, user_name: str, address: str, reason: str) -> None:
        named = user_name[:USER_NAME_CHARS] if self.known is None or await self.known(user_name) else UNKNOWN_NAME
        entry = {"at": at, "action": action, "user_name": named, "address": address}
        await self.audit.record(entry | {"reason": reason})


def _keys(user_name: str, address: str) -> dict[str, str]:
    return {"user name": f"user:{user_name[:USER_NAME_CHARS]}", "address": f"address:{address}"}
