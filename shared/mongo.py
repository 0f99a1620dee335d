"""Thin MongoDB helper: every service builds its client the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, NamedTuple, TypeVar

from gridfs import AsyncGridFSBucket
from pymongo import ASCENDING, AsyncMongoClient, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

T = TypeVar("T")
Rows = dict[str, dict[str, Any]]

# How often a read-modify-write of one document's rows is retried when another
# writer changed it in between.
UPDATE_ATTEMPTS = 20


def make_client(uri: str) -> AsyncMongoClient:
    return AsyncMongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=10_000)


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


def apply_revisions(rows: Rows, incoming: list[tuple[str, dict[str, Any]]]) -> None:
    """Merge each (id, fields) change into ``rows`` unless the stored row is
    newer: a higher ``revision``, or the same revision and a higher ``step``
    (two events of one revision, such as an edit and the verdict on it, apply
    in their own order whichever arrives first). The same change again
    changes nothing, so redelivered events are harmless. Rows are replaced,
    never changed in place."""
    for row_id, fields in incoming:
        current = rows.get(row_id)
        if current is None or _position(current) <= _position(fields):
            rows[row_id] = {**(current or {}), **fields}


def _position(row: dict[str, Any]) -> tuple[int, int]:
    return row["revision"], row.get("step", 0)


async def find_row(collection: AsyncCollection, doc_id: str, row_id: str) -> dict[str, Any] | None:
    """One row of a document kept by :func:`update_rows`, reading only that row.
    ``row_id`` becomes part of a field path: callers check its shape first."""
    doc = await collection.find_one({"_id": doc_id}, {f"rows.{row_id}": 1})
    return (doc or {}).get("rows", {}).get(row_id)


class Updated(NamedTuple, Generic[T]):
    rows: Rows
    result: T
    version: int  # of the document as written (0: there is none)


async def update_rows(
    collection: AsyncCollection, doc_id: str, change: Callable[[Rows], T], fields: dict[str, Any]
) -> Updated[T]:
    """Read-modify-write of one document that holds a bounded set of rows by id
    (an upload's applications: 250 at most), guarded by a version number.

    One document per upload is one write per batch instead of one per row,
    with no secondary index to maintain. ``change`` gets a copy of the rows,
    replaces the ones it changes (never mutates a stored row) and returns
    what the caller needs; it runs again if another writer got in between.
    ``fields`` are stored beside the rows. Returns the rows as written, what
    ``change`` returned, and the document's version.
    """
    for _ in range(UPDATE_ATTEMPTS):
        current = await collection.find_one({"_id": doc_id})
        rows = dict(current["rows"]) if current else {}
        result = change(rows)
        if current is None:
            if not rows:
                return Updated(rows, result, 0)
            try:
                await collection.insert_one({"_id": doc_id, **fields, "version": 1, "rows": rows})
            except DuplicateKeyError:
                continue  # another writer created it first
            return Updated(rows, result, 1)
        version = current["version"]
        if rows == current["rows"]:
            return Updated(rows, result, version)  # nothing new (a redelivery, or nothing matched)
        written = await collection.replace_one(
            {"_id": doc_id, "version": version}, {**fields, "version": version + 1, "rows": rows}
        )
        if written.matched_count:
            return Updated(rows, result, version + 1)
    raise RuntimeError(f"{collection.name} {doc_id}: its rows kept changing during {UPDATE_ATTEMPTS} attempts")


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
        # The indexes exist (create_indexes): skip GridFS's per-file check.
        object.__setattr__(stream, "_ensured_index", True)
        try:
            await stream.write(data)
        except BaseException:
            await stream.abort()
            raise
        await stream.close()
