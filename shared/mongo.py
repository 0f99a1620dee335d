"""Thin MongoDB helper: every service builds its client the same way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Generic, NamedTuple, Self, TypeVar

from gridfs import AsyncGridFSBucket
from pymongo import ASCENDING, AsyncMongoClient, IndexModel, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from .outbox import entry
from .revisions import Rows

T = TypeVar("T")

# How often a read-modify-write of one document's rows is retried when another
# writer changed it in between.
UPDATE_ATTEMPTS = 20


# How long a request waits for the database before it answers 503 (retry later).
SERVER_SELECTION_MS = 5_000


def make_client(uri: str) -> AsyncMongoClient:
    """Every write journaled: a consumer commits its Kafka offset after its
    write, so a write the database acknowledged must survive the database's
    crash (found by tests/faults: unjournaled, SecantusDB lost the last
    acknowledged writes when killed, and an upload stalled for ever). A
    replica set's default majority write concern journals anyway."""
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=SERVER_SELECTION_MS, journal=True)


DUPLICATE_KEY = 11000


async def set_by_id(collection: AsyncCollection, docs: list[tuple[str, dict[str, Any]]]) -> None:
    """Upsert each (id, fields) pair in one unordered bulk write: what projections of reference events do."""
    if docs:
        await collection.bulk_write(
            [UpdateOne({"_id": _id}, {"$set": fields}, upsert=True) for _id, fields in docs], ordered=False
        )


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


async def find_row(collection: AsyncCollection, doc_id: str, row_id: str) -> dict[str, Any] | None:
    """One row of a document kept by :func:`update_rows`, reading only that row.
    ``row_id`` becomes part of a field path: callers check its shape first."""
    doc = await collection.find_one({"_id": doc_id}, {f"rows.{row_id}": 1})
    return (doc or {}).get("rows", {}).get(row_id)


# Keys, or an IndexModel for an index with options (unique, partial).
Index = list[tuple[str, int]] | IndexModel


class MongoStore:
    """Base of a service's MongoDB stores: the indexes it needs, as data
    (``INDEXES``: collection name -> index keys), made when it opens."""

    INDEXES: ClassVar[dict[str, list[Index]]] = {}

    def __init__(self, db: AsyncDatabase) -> None:
        self.db = db

    @classmethod
    async def open(cls, db: AsyncDatabase) -> Self:
        store = cls(db)
        await store.create_indexes()
        return store

    async def create_indexes(self) -> None:
        for name, indexes in self.INDEXES.items():
            for keys in indexes:
                if isinstance(keys, IndexModel):
                    await self.db[name].create_indexes([keys])
                else:
                    await self.db[name].create_index(keys)


class Updated(NamedTuple, Generic[T]):
    rows: Rows
    result: T
    version: int  # of the document as written (0: there is none)


async def rewrite(
    collection: AsyncCollection, doc_id: str, change: Callable[[dict[str, Any] | None], dict[str, Any] | None]
) -> int:
    """Version-checked read-modify-write of one document.

    ``change`` gets the stored document (None when there is none; it must not
    change it) and returns the fields to store instead, or None to write
    nothing. It runs again if another writer got in between. Returns the
    version of the document as it now stands (0: there is none).
    """
    for _ in range(UPDATE_ATTEMPTS):
        current = await collection.find_one({"_id": doc_id})
        new = change(current)
        if new is None:
            return current["version"] if current else 0
        if current is None:
            try:
                await collection.insert_one({**new, "_id": doc_id, "version": 1})
            except DuplicateKeyError:
                continue  # another writer created it first
            return 1
        version = current["version"]
        written = await collection.replace_one({"_id": doc_id, "version": version}, {**new, "version": version + 1})
        if written.matched_count:
            return version + 1
    raise RuntimeError(f"{collection.name} {doc_id}: it kept changing during {UPDATE_ATTEMPTS} attempts")


async def update_rows(
    collection: AsyncCollection, doc_id: str, change: Callable[[Rows], T], fields: dict[str, Any]
) -> Updated[T]:
    """:func:`rewrite` of a document that holds a bounded set of rows by id
    (an upload's applications: 250 at most).

    One document per upload is one write per batch instead of one per row,
    with no secondary index to maintain. ``change`` gets a copy of the rows,
    replaces the ones it changes (never mutates a stored row) and returns
    what the caller needs. ``fields`` are stored beside the rows. Returns the
    rows as written, what ``change`` returned, and the document's version.
    """
    outcome: dict[str, Any] = {}

    def changed(current: dict[str, Any] | None) -> dict[str, Any] | None:
        rows = dict(current["rows"]) if current else {}
        outcome.update(rows=rows, result=change(rows))
        if rows == (current["rows"] if current else {}):
            return None  # nothing new (a redelivery, or nothing matched)
        return {**fields, "rows": rows}

    version = await rewrite(collection, doc_id, changed)
    return Updated(outcome["rows"], outcome["result"], version)


class FileBucket:
    """A GridFS bucket whose indexes are made once, when the service starts.

    PyMongo's GridFS checks before every new file whether the bucket is empty
    (``find_one({})`` on files and chunks) to create its indexes. SecantusDB
    answers that by reading and decoding every stored chunk (measured: the
    cost grows with every stored file and was the largest single cost of an
    upload after a few hundred files). The indexes are the ones the GridFS
    spec names, created here at start; each file is then written without
    the check.
    """

    def __init__(self, db: AsyncDatabase, name: str) -> None:
        self._db = db
        self._name = name
        self.bucket = AsyncGridFSBucket(db, bucket_name=name)

    async def create_indexes(self) -> None:
        await self._db[f"{self._name}.files"].create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
        await self._db[f"{self._name}.chunks"].create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)

    async def put(self, file_id: str, file_name: str, data: bytes, metadata: dict[str, Any]) -> None:
        stream = self.bucket.open_upload_stream_with_id(file_id, file_name, metadata=metadata)
        # The indexes exist (create_indexes): skip GridFS's per-file check. A private
        # attribute: tests/integration/test_library_contracts.py fails if PyMongo changes it.
        object.__setattr__(stream, "_ensured_index", True)
        try:
            await stream.write(data)
        except BaseException:
            await stream.abort()
            raise
        await stream.close()


class OutboxInDocuments:
    """The outbox kept in the aggregate's own document (``outbox``, with
    ``outbox_since`` set — and indexed — while anything waits), so the events
    are written in the same version-checked write as the change they announce;
    the storage side of ``shared.outbox.Relay``. A store sets
    ``_outbox_collection`` and calls :func:`with_outbox` in its rewrite."""

    _outbox_collection: AsyncCollection

    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        found = self._outbox_collection.find({"outbox_since": {"$lte": older_than}}, {"_id": 1})
        return [d["_id"] async for d in found]

    async def outbox(self, doc_id: str) -> list[dict[str, Any]]:
        doc = await self._outbox_collection.find_one({"_id": doc_id}, {"outbox": 1})
        return (doc or {}).get("outbox", [])

    async def clear_outbox(self, doc_id: str, event_ids: set[str]) -> None:
        def cleared(current: dict[str, Any] | None) -> dict[str, Any] | None:
            if current is None or not current.get("outbox"):
                return None
            doc = {k: v for k, v in current.items() if k not in ("_id", "version", "outbox_since")}
            doc["outbox"] = [e for e in current["outbox"] if e["event_id"] not in event_ids]
            if doc["outbox"]:
                doc["outbox_since"] = current["outbox_since"]  # written meanwhile: still waiting
            return doc

        await rewrite(self._outbox_collection, doc_id, cleared)


def with_outbox(doc: dict[str, Any], kept: dict[str, Any], events: list[Any]) -> dict[str, Any]:
    """``doc`` (the next state of ``kept``) with ``events`` added to the outbox ``kept`` had."""
    doc["outbox"] = [*kept.get("outbox", []), *(entry(e) for e in events)]
    doc.setdefault("outbox_since", events[0].occurred_at)
    return doc
