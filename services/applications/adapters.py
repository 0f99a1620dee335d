"""The applications service's own store: applications and their agreements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.envelope import utcnow
from shared.mongo import upsert_unless_newer


class MongoApplicationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._apps = db["applications"]
        # When saved applications fall due: kept apart so that the applications
        # themselves carry one secondary index only (each slows every insert).
        self._expiries = db["saved_expiries"]
        self.agreements = AsyncGridFSBucket(db, bucket_name="arbitration_agreements")

    async def create_indexes(self) -> None:
        await self._apps.create_index([("upload_id", 1), ("status", 1), ("row_number", 1)])
        await self._expiries.create_index([("expires_at", 1)])

    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        await upsert_unless_newer(self._apps, docs)

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return await self._apps.find_one({"_id": application_id})

    async def transition(
        self, application: dict[str, Any], to_status: str, extra: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """Move one application to a status if nobody changed it meanwhile
        (same status, same revision); returns the new document, or None."""
        moved = await self._apps.find_one_and_update(
            {"_id": application["_id"], "status": application["status"], "revision": application["revision"]},
            {"$set": {"status": to_status, "revision": application["revision"] + 1, **(extra or {})}},
            return_document=ReturnDocument.AFTER,
        )
        if moved is not None and to_status == "saved":
            await self._expiries.update_one(
                {"_id": moved["_id"]}, {"$set": {"expires_at": moved["expires_at"]}}, upsert=True
            )
        return moved

    async def of_upload(self, upload_id: str, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        cursor = self._apps.find({"upload_id": upload_id, "status": {"$in": list(statuses)}}).sort("row_number", 1)
        return await cursor.to_list()

    async def attach_agreement(self, application_id: str, file_name: str, data: bytes) -> dict[str, Any]:
        """Store the PDF (one per application; a new one replaces it) and note it on the application."""
        file_id = f"{application_id}:agreement"
        try:
            await self.agreements.delete(file_id)
        except NoFile:
            pass
        await self.agreements.upload_from_stream_with_id(
            file_id, file_name, data, metadata={"application_id": application_id, "content_type": "application/pdf"}
        )
        agreement = {"file_id": file_id, "file_name": file_name, "size": len(data), "uploaded_at": utcnow()}
        await self._apps.update_one({"_id": application_id}, {"$set": {"arbitration_agreement": agreement}})
        return agreement

    async def read_agreement(self, application_id: str) -> bytes | None:
        try:
            stream = await self.agreements.open_download_stream(f"{application_id}:agreement")
        except NoFile:
            return None
        return await stream.read()

    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        """Saved applications whose time is up. Notes left by applications
        that moved on (edited, submitted, deleted, saved again) are dropped."""
        due = await self._expiries.find({"expires_at": {"$lte": now}}).limit(limit).to_list()
        apps = {a["_id"]: a async for a in self._apps.find({"_id": {"$in": [d["_id"] for d in due]}})}
        found = []
        for note in due:
            app = apps.get(note["_id"])
            if app is not None and app["status"] == "saved" and app["expires_at"] <= now:
                found.append(app)
            else:
                await self._expiries.delete_one({"_id": note["_id"], "expires_at": note["expires_at"]})
        return found


class InMemoryApplicationStore:
    """For unit tests: the same behaviour as MongoApplicationStore, in a dict."""

    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}

    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        for app_id, doc in docs:
            current = self.apps.get(app_id)
            if current is None or current["revision"] <= doc["revision"]:
                self.apps[app_id] = {**(current or {}), "_id": app_id, **doc}

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return self.apps.get(application_id)

    async def transition(
        self, application: dict[str, Any], to_status: str, extra: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        current = self.apps.get(application["_id"])
        if current is None or (current["status"], current["revision"]) != (
            application["status"],
            application["revision"],
        ):
            return None
        current.update({"status": to_status, "revision": current["revision"] + 1, **(extra or {})})
        return dict(current)

    async def of_upload(self, upload_id: str, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
        found = [dict(a) for a in self.apps.values() if a["upload_id"] == upload_id and a["status"] in statuses]
        return sorted(found, key=lambda a: a["row_number"])

    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
        return [dict(a) for a in self.apps.values() if a["status"] == "saved" and a["expires_at"] <= now][:limit]
