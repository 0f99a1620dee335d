"""Thin MongoDB helper: every service builds its client the same way."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError


def make_client(uri: str) -> AsyncMongoClient:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)


DUPLICATE_KEY = 11000


async def set_by_id(collection: AsyncCollection, docs: list[tuple[str, dict[str, Any]]]) -> None:
    """Upsert each (id, fields) pair in one unordered bulk write: what projections of reference events do."""
    if docs:
        await collection.bulk_write(
            [UpdateOne({"_id": _id}, {"$set": fields}, upsert=True) for _id, fields in docs], ordered=False
        )


async def upsert_unless_newer(collection: AsyncCollection, docs: list[tuple[str, dict[str, Any]]]) -> None:
    """Insert or update each document by id unless the stored one has a higher ``revision``.

    Most documents are new: one unordered insert_many takes them (several
    times faster than upserts). Those whose id exists are updated with a
    filter on the revision: when the stored revision is newer the filter
    misses, the upsert tries to insert the same id and fails with a duplicate
    key. That is the stale write being refused, not an error. Redelivering the
    same revision is a no-op.
    """
    if not docs:
        return
    try:
        await collection.insert_many([{"_id": _id, **doc} for _id, doc in docs], ordered=False)
        return
    except BulkWriteError as exc:
        _raise_unless_duplicates(exc)
        existing = {docs[e["index"]][0] for e in exc.details["writeErrors"]}
    ops = [
        UpdateOne({"_id": _id, "revision": {"$lte": doc["revision"]}}, {"$set": doc}, upsert=True)
        for _id, doc in docs
        if _id in existing
    ]
    try:
        await collection.bulk_write(ops, ordered=False)
    except BulkWriteError as exc:
        _raise_unless_duplicates(exc)


async def insert_new(collection: AsyncCollection, docs: list[dict[str, Any]]) -> None:
    """Insert documents by id; those whose id exists already are left as they are."""
    if docs:
        try:
            await collection.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            _raise_unless_duplicates(exc)


def _raise_unless_duplicates(exc: BulkWriteError) -> None:
    if any(e["code"] != DUPLICATE_KEY for e in exc.details["writeErrors"]):
        raise exc
