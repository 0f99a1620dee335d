"""Where the upload service keeps files, upload records and its projection of
groups (its own database), behind the Protocols the use cases need. The
in-memory fakes for unit tests are in ``tests/fakes.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol

from gridfs.errors import NoFile
from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.reference import GroupRegistered
from shared.mongo import FileBucket, MongoStore, set_by_id

from .template import TemplateGroup


class UploadStore(Protocol):
    """Uploads and their files. An upload not yet marked published is the
    upload service's outbox: its messages are made again from the file."""

    async def save(self, upload_id: str, file_name: str, data: bytes, record: dict[str, Any]) -> None: ...
    async def mark_published(self, upload_id: str) -> None: ...
    async def get(self, upload_id: str) -> dict[str, Any] | None: ...
    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        """Uploads received before ``older_than``, not yet published and not given up."""
        ...

    async def note_failed_attempt(self, upload_id: str) -> int:
        """One more failed attempt to publish the upload; how many there have been."""
        ...

    async def mark_failed(self, upload_id: str, reason: str) -> None:
        """Given up: the upload will not be published."""
        ...

    async def read_file(self, upload_id: str) -> bytes: ...


class GroupStore(Protocol):
    async def upsert_groups(self, events: list[GroupRegistered]) -> None: ...
    async def get(self, group_id: str) -> TemplateGroup | None: ...
    async def count(self) -> int: ...


class MongoUploadStore(MongoStore):
    """Files in GridFS (file id = upload id), one record per upload in ``uploads``."""

    # The relay looks for unpublished uploads every half minute: by index, not by reading them all.
    INDEXES: ClassVar = {"uploads": [[("published", 1), ("received_at", 1)]]}

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._uploads = db["uploads"]
        self._files = FileBucket(db, "upload_files")

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self._files.create_indexes()

    async def save(self, upload_id: str, file_name: str, data: bytes, record: dict[str, Any]) -> None:
        await self._files.put(upload_id, file_name, data, {"upload_id": upload_id})
        await self._uploads.insert_one({"_id": upload_id, **record, "published": False})

    async def mark_published(self, upload_id: str) -> None:
        await self._uploads.update_one({"_id": upload_id}, {"$set": {"published": True}})

    async def get(self, upload_id: str) -> dict[str, Any] | None:
        return await self._uploads.find_one({"_id": upload_id})

    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        query = {"published": False, "received_at": {"$lt": older_than}, "failed": {"$ne": True}}
        return [d["_id"] async for d in self._uploads.find(query, {"_id": 1})]

    async def note_failed_attempt(self, upload_id: str) -> int:
        doc = await self._uploads.find_one_and_update(
            {"_id": upload_id}, {"$inc": {"publish_attempts": 1}}, return_document=ReturnDocument.AFTER
        )
        return doc["publish_attempts"] if doc else 0

    async def mark_failed(self, upload_id: str, reason: str) -> None:
        await self._uploads.update_one({"_id": upload_id}, {"$set": {"failed": True, "failure": reason}})

    async def read_file(self, upload_id: str) -> bytes:
        try:
            stream = await self._files.bucket.open_download_stream(upload_id)
        except NoFile as exc:
            raise LookupError(upload_id) from exc
        return await stream.read()


class MongoGroupStore(MongoStore):
    """The upload service's projection of groups, for templates (by _id only)."""

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._groups = db["groups"]

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        await set_by_id(
            self._groups,
            [(e.group_id, {"name": e.name, "region": e.region, "subgroup_ids": subgroup_ids(e)}) for e in events],
        )

    async def get(self, group_id: str) -> TemplateGroup | None:
        doc = await self._groups.find_one({"_id": group_id})
        if doc is None:
            return None
        return TemplateGroup(doc["_id"], doc["name"], doc["region"], tuple(doc["subgroup_ids"]))

    async def count(self) -> int:
        return await self._groups.count_documents({})


def subgroup_ids(event: GroupRegistered) -> list[str]:
    return [s.subgroup_id for s in event.subgroups]
