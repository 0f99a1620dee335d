"""Sign-in throttling and its audit trail, kept in the gateway's MongoDB so
that every gateway instance counts the same failures.

``sign_in_attempts``: one record per user name and per client address (the
policy's ``Record``), forgotten by a TTL index a window after its last failure
or lock. ``audit``: one entry per failure, lockout and sign-in (when, what,
the user name as typed, the address, why); never the password.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from .throttle import Record

USER_NAME_CHARS = 100  # of a user name as typed, in keys and the audit
AUDIT_KEPT = timedelta(days=400)


class Attempts(Protocol):
    """The throttling records (tests stand in an in-memory one)."""

    async def records(self, keys: Sequence[str]) -> dict[str, Record]: ...
    async def add_failure(self, key: str, at: datetime, keep: int, expires_at: datetime) -> Record:
        """The key's record with this failure added (only its latest ``keep`` failures kept)."""

    async def lock(self, key: str, seen: Record, until: datetime, expires_at: datetime) -> bool:
        """Lock the key, unless another failure locked it since ``seen``; whether this one did."""

    async def clear(self, key: str) -> None: ...
    async def forgive(self, key: str, at: datetime) -> None:
        """Take back the failure counted at ``at`` (the attempt succeeded)."""
        ...


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

    async def forgive(self, key: str, at: datetime) -> None:
        await self._attempts.update_one({"_id": key}, {"$pull": {"failures": at}})


def _record(doc: dict) -> Record:
    return Record(tuple(doc.get("failures", ())), doc.get("locks", 0), doc.get("locked_until"))


class MongoAudit:
    def __init__(self, db: AsyncDatabase) -> None:
        self._audit = db["audit"]

    async def create_indexes(self) -> None:
        await self._audit.create_index("at")
        # An attacker hammering a locked name writes an entry each time: the trail forgets after a while.
        await self._audit.create_index("expires_at", expireAfterSeconds=0)

    async def record(self, entry: dict) -> None:
        await self._audit.insert_one({**entry, "expires_at": entry["at"] + AUDIT_KEPT})

    async def page(self, page: int, page_size: int) -> tuple[list[dict], int]:
        total = await self._audit.estimated_document_count()
        projection = {"_id": 0, "expires_at": 0}
        cursor = self._audit.find({}, projection).sort("at", -1).skip((page - 1) * page_size).limit(page_size)
        return await cursor.to_list(), total
