"""Where the upload service keeps files, upload records and its projection of
groups (its own database), behind the Protocols the use cases need. The
in-memory fakes for unit tests are in ``tests/fakes.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Protocol

from gridfs.errors import NoFile
from pymongo import IndexModel, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.reference import GroupRegistered
from shared.mongo import FileBucket, MongoStore, set_by_id

from .template import TemplateGroup


class UploadStore(Protocol):
    """Uploads and their files. An upload not yet marked published is the
    upload service's outbox: its messages are made again from the file.

    A record's ``sha256`` (the digest of its file's bytes) is unique within
    its group while it is there: the same file is stored once."""

    async def save(self, upload_id: str, file_name: str, data: bytes, record: dict[str, Any]) -> dict[str, Any] | None:
        """Store the file and its record; or, when another upload of the group
        holds the same ``sha256``, keep nothing and return that upload's record."""
        ...

    async def holding(self, group_id: str, sha256: str) -> dict[str, Any] | None:
        """The upload of the group that holds the file with this digest, if any."""
        ...

    async def forget_file(self, upload_id: str) -> None:
        """The upload no longer holds its file's digest: the same file may be uploaded again."""
        ...

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
    async def note_reported(self, upload_id: str, application_ids: list[str]) -> None:
        """These applications of the upload were put in an error report (kept with the ones noted before)."""
        ...


class GroupStore(Protocol):
    async def upsert_groups(self, events: list[GroupRegistered]) -> None: ...
    async def get(self, group_id: str) -> TemplateGroup | None: ...
    async def count(self) -> int: ...


class MongoUploadStore(MongoStore):
    """Files in GridFS (file id = upload id), one record per upload in ``uploads``."""

    INDEXES: ClassVar = {
        "uploads": [
            # The relay looks for unpublished uploads every half minute: by index, not by reading them all.
            [("published", 1), ("received_at", 1)],
            # One upload per file and group: decides between the same file sent twice at once.
            # Partial: uploads that hold no digest (forms, withdrawn, failed, older ones) are not in it.
            IndexModel(
                [("group_id", 1), ("sha256", 1)], unique=True, partialFilterExpression={"sha256": {"$exists": True}}
            ),
        ]
    }

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self._uploads = db["uploads"]
        self._files = FileBucket(db, "upload_files")

    async def create_indexes(self) -> None:
        await super().create_indexes()
        await self._files.create_indexes()

    async def save(self, upload_id: str, file_name: str, data: bytes, record: dict[str, Any]) -> dict[str, Any] | None:
        # The file first: a crash before the record leaves a file no record names, not a record without its file.
        await self._files.put(upload_id, file_name, data, {"upload_id": upload_id})
        for _ in range(3):
            try:
                await self._uploads.insert_one({"_id": upload_id, **record, "published": False})
                return None
            except DuplicateKeyError:
                earlier = await self.holding(record["group_id"], record.get("sha256", ""))
                if earlier is not None:  # the same file of the group, stored a moment ago
                    await self._files.bucket.delete(upload_id)
                    return earlier
                # that upload forgot it meanwhile (withdrawn): try again
        raise RuntimeError(f"upload {upload_id}: its file's digest kept changing hands")

    async def holding(self, group_id: str, sha256: str) -> dict[str, Any] | None:
        return await self._uploads.find_one({"group_id": group_id, "sha256": sha256})

    async def forget_file(self, upload_id: str) -> None:
        await self._uploads.update_one({"_id": upload_id}, {"$unset": {"sha256": ""}})

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
        # A failed upload holds its file no more: the user uploads it again.
        await self._uploads.update_one(
            {"_id": upload_id}, {"$set": {"failed": True, "failure": reason}, "$unset": {"sha256": ""}}
        )

    async def note_reported(self, upload_id: str, application_ids: list[str]) -> None:
        # At most the upload's 250 applications: kept on its record.
        update = {"$addToSet": {"reported_applications": {"$each": sorted(application_ids)}}}
        await self._uploads.update_one({"_id": upload_id}, update)

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
