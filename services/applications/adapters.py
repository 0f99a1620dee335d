"""Where the applications service keeps its state: the store's Protocol (what
the use cases need) and its MongoDB implementation. The in-memory fake for
unit tests is in ``tests/fakes.py``; both run the domain's aggregate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar, Protocol, TypeVar

from gridfs.errors import NoFile
from pymongo import DeleteOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.applications import is_application_id, upload_of
from shared.mongo import FileBucket, MongoStore, OutboxInDocuments, find_row, rewrite, set_by_id, with_outbox

from .domain import Row, UploadApplications

T = TypeVar("T")


class ApplicationStore(Protocol):
    async def get(self, application_id: str) -> Row | None:
        """One application, reading only its row."""
        ...

    async def upload(self, upload_id: str) -> UploadApplications:
        """An upload's applications as they are (empty when there are none)."""
        ...

    async def change(
        self, upload_id: str, decide: Callable[[UploadApplications], T], fields: Callable[[], dict[str, Any]]
    ) -> T:
        """Run ``decide`` on the upload's applications and store the outcome
        and the events it emitted (the outbox) in one write; ``decide`` runs
        again if another writer got in between. ``fields`` are kept beside
        the applications when the document is new."""
        ...

    async def outboxes_waiting(self, older_than: datetime) -> list[str]: ...
    async def outbox(self, upload_id: str) -> list[dict[str, Any]]: ...
    async def clear_outbox(self, upload_id: str, event_ids: set[str]) -> None: ...

    async def note_expiry(self, application_id: str, expires_at: datetime) -> None: ...
    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[tuple[str, datetime]]:
        """(application id, expiry) notes whose time has come (the application may have moved on)."""
        ...

    async def forget_expiry(self, notes: list[tuple[str, datetime]]) -> None:
        """Drop these notes, unless a newer one replaced a note meanwhile (saved again)."""
        ...

    async def save_agreement(self, application_id: str, file_name: str, data: bytes) -> str: ...
    async def read_agreement(self, application_id: str) -> bytes | None: ...


class MongoApplicationStore(OutboxInDocuments, MongoStore):
    """Applications grouped by the upload they came from: one document per
    upload (250 applications at most) holding each application by id, and
    the events its last changes emitted, until the relay has published them.

    ``{_id: upload id, group_id, region, version, rows: {application id: row},
    outbox: [entry], outbox_since: when the outbox last became non-empty,
    withdrawn_by: the actor who withdrew the upload, once withdrawn}``.
    ``outbox_since`` is indexed and present only while there is something to
    publish, so the relay finds leftovers without reading every upload.
    """

    INDEXES: ClassVar = {
        "upload_applications": [[("outbox_since", 1)]],
        # When saved applications fall due, found by date without scanning uploads.
        "saved_expiries": [[("expires_at", 1)]],
    }

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._uploads = self._outbox_collection = db["upload_applications"]
        self._expiries = db["saved_expiries"]
        self.agreements = FileBucket(db, "arbitration_agreements")

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self.agreements.create_indexes()

    async def get(self, application_id: str) -> Row | None:
        if not is_application_id(application_id):
            return None
        row = await find_row(self._uploads, upload_of(application_id), application_id)
        return {"_id": application_id, **row} if row else None

    async def upload(self, upload_id: str) -> UploadApplications:
        doc = await self._uploads.find_one({"_id": upload_id}, {"rows": 1, "withdrawn_by": 1})
        return UploadApplications(
            upload_id, dict(doc["rows"]) if doc else {}, withdrawn_by=(doc or {}).get("withdrawn_by")
        )

    async def change(
        self, upload_id: str, decide: Callable[[UploadApplications], T], fields: Callable[[], dict[str, Any]]
    ) -> T:
        outcome: list[T] = []

        def changed(current: dict[str, Any] | None) -> dict[str, Any] | None:
            rows = current["rows"] if current else {}
            withdrawn_by = (current or {}).get("withdrawn_by")
            aggregate = UploadApplications(upload_id, dict(rows), withdrawn_by=withdrawn_by)
            outcome[:] = [decide(aggregate)]
            if aggregate.rows == rows and not aggregate.events and aggregate.withdrawn_by == withdrawn_by:
                return None  # nothing changed (a redelivery)
            kept = current or {**fields(), "outbox": []}
            doc = {k: v for k, v in kept.items() if k not in ("_id", "version")}
            doc["rows"] = aggregate.rows
            if aggregate.withdrawn_by is not None:
                doc["withdrawn_by"] = aggregate.withdrawn_by
            return with_outbox(doc, kept, aggregate.events) if aggregate.events else doc

        await rewrite(self._uploads, upload_id, changed)
        return outcome[0]

    async def note_expiry(self, application_id: str, expires_at: datetime) -> None:
        await set_by_id(self._expiries, [(application_id, {"expires_at": expires_at})])

    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[tuple[str, datetime]]:
        cursor = self._expiries.find({"expires_at": {"$lte": now}}).limit(limit)
        return [(d["_id"], d["expires_at"]) async for d in cursor]

    async def forget_expiry(self, notes: list[tuple[str, datetime]]) -> None:
        if notes:
            await self._expiries.bulk_write([DeleteOne({"_id": a, "expires_at": at}) for a, at in notes], ordered=False)

    async def save_agreement(self, application_id: str, file_name: str, data: bytes) -> str:
        """Store the PDF (one per application: a new one replaces it); returns its file id."""
        file_id = f"{application_id}:agreement"
        try:
            await self.agreements.bucket.delete(file_id)
        except NoFile:
            pass
        await self.agreements.put(
            file_id, file_name, data, {"application_id": application_id, "content_type": "application/pdf"}
        )
        return file_id

    async def read_agreement(self, application_id: str) -> bytes | None:
        try:
            stream = await self.agreements.bucket.open_download_stream(f"{application_id}:agreement")
        except NoFile:
            return None
        return await stream.read()
