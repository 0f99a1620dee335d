"""Sign-in throttling and its audit trail, kept in the gateway's MongoDB so
that every gateway instance counts the same failures.

``sign_in_attempts``: one record per user name and per client address (the
policy's ``Record``), forgotten by a TTL index a window after its last failure
or lock. ``audit``: one entry per failure, lockout and sign-in (when, what,
the user name as typed, the address, why); never the password.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.envelope import utcnow

from .settings import GatewaySettings
from .throttle import Record, Rule, SignInLocked, lock_after_failure, locked_until, retry_after

USER_NAME_CHARS = 100  # of a user name as typed, in keys and the audit


class Attempts(Protocol):
    """The throttling records (tests stand in an in-memory one)."""

    async def records(self, keys: Sequence[str]) -> dict[str, Record]: ...
    async def add_failure(self, key: str, at: datetime, keep: int, expires_at: datetime) -> Record:
        """The key's record with this failure added (only its latest ``keep`` failures kept)."""

    async def lock(self, key: str, seen: Record, until: datetime, expires_at: datetime) -> bool:
        """Lock the key, unless another failure locked it since ``seen``; whether this one did."""

    async def clear(self, key: str) -> None: ...


class Audit(Protocol):
    async def record(self, entry: dict) -> None: ...
    async def page(self, page: int, page_size: int) -> tuple[list[dict], int]:
        """Entries newest first, and how many there are."""
        ...


class MongoAttempts:
    def __init__(self, db: AsyncDatabase) -> None:
        self._attempts = db["sign_in_attempts"]

    async def create_indexes(self) -> None:
        await self._attempts.create_index("expires_at", expireAfterSeconds=0)

    async def records(self, keys: Sequence[str]) -> dict[str, Record]:
        return {doc["_id"]: _record(doc) async for doc in self._attempts.find({"_id": {"$in": list(keys)}})}

    async def add_failure(self, key: str, at: datetime, keep: int, expires_at: datetime) -> Record:
        doc = await self._attempts.find_one_and_update(
            {"_id": key},
            {
                "$push": {"failures": {"$each": [at], "$slice": -keep}},
                "$max": {"expires_at": expires_at},
                "$setOnInsert": {"locks": 0},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return _record(doc)

    async def lock(self, key: str, seen: Record, until: datetime, expires_at: datetime) -> bool:
        # On the number of locks seen: of two concurrent failures, one locks.
        done = await self._attempts.update_one(
            {"_id": key, "locks": seen.locks},
            {"$set": {"locked_until": until}, "$inc": {"locks": 1}, "$max": {"expires_at": expires_at}},
        )
        return done.modified_count == 1

    async def clear(self, key: str) -> None:
        await self._attempts.delete_one({"_id": key})


def _record(doc: dict) -> Record:
    return Record(tuple(doc.get("failures", ())), doc.get("locks", 0), doc.get("locked_until"))


class MongoAudit:
    def __init__(self, db: AsyncDatabase) -> None:
        self._audit = db["audit"]

    async def create_indexes(self) -> None:
        await self._audit.create_index("at")

    async def record(self, entry: dict) -> None:
        await self._audit.insert_one(entry)

    async def page(self, page: int, page_size: int) -> tuple[list[dict], int]:
        total = await self._audit.count_documents({})
        cursor = self._audit.find({}, {"_id": 0}).sort("at", -1).skip((page - 1) * page_size).limit(page_size)
        return await cursor.to_list(), total


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
        self, attempts: Attempts, audit: Audit, rules: dict[str, Rule], clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.attempts, self.audit, self.rules, self.clock = attempts, audit, rules, clock

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

    async def failed(self, user_name: str, address: str) -> None:
        """Count a failure for the user name and the address; lock either once it has too many."""
        now = self.clock()
        await self._note(now, "sign_in_failed", user_name, address, "wrong user name or password")
        for kind, key in _keys(user_name, address).items():
            rule = self.rules[kind]
            record = await self.attempts.add_failure(key, now, rule.failures, now + rule.window)
            until = lock_after_failure(record, rule, now)
            if until is not None and await self.attempts.lock(key, record, until, until + rule.window):
                why = f"{rule.failures} failed sign-ins for this {kind}: locked for {retry_after(until, now)} seconds"
                await self._note(now, "sign_in_locked", user_name, address, why)

    async def succeeded(self, user_name: str, address: str) -> None:
        """A sign-in clears the user name's failures (not the address's)."""
        await self.attempts.clear(_keys(user_name, address)["user name"])
        await self._note(self.clock(), "signed_in", user_name, address, "")

    async def _note(self, at: datetime, action: str, user_name: str, address: str, reason: str) -> None:
        entry = {"at": at, "action": action, "user_name": user_name[:USER_NAME_CHARS], "address": address}
        await self.audit.record(entry | {"reason": reason})


def _keys(user_name: str, address: str) -> dict[str, str]:
    return {"user name": f"user:{user_name[:USER_NAME_CHARS]}", "address": f"address:{address}"}
