"""Thin MongoDB helper: every service builds its client the same way."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError


def make_client(uri: str) -> AsyncMongoClient:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)


DUPLICATE_KEY = 11000


async def upsert_unless_newer(collection: AsyncCollection, docs: list[tuple[str, dict[str, Any]]]) -> None:
    """Insert or update each document by id unless the stored one has a higher ``revision``.

    When the stored revision is newer the filter misses, the upsert tries to
    insert the same id and fails with a duplicate key: that is the stale write
    being refused, not an error. Redelivering the same revision is a no-op.
    """
    if not docs:
        return
    ops = [
        UpdateOne({"_id": _id, "revision": {"$lte": doc["revision"]}}, {"$set": doc}, upsert=True) for _id, doc in docs
    ]
    try:
        await collection.bulk_write(ops, ordered=False)
    except BulkWriteError as exc:
        if any(e["code"] != DUPLICATE_KEY for e in exc.details["writeErrors"]):
            raise
