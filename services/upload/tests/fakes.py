"""In-memory stores of the upload service, for unit tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.upload.adapters import subgroup_ids
from services.upload.template import TemplateGroup
from shared.contracts.reference import GroupRegistered


class InMemoryUploadStore:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}

    async def save(self, upload_id: str, file_name: str, data: bytes, record: dict[str, Any]) -> dict[str, Any] | None:
        earlier = self._holder(record["group_id"], record["sha256"]) if "sha256" in record else None
        if earlier is not None:  # as the unique index on group + digest refuses it
            return earlier
        self.files[upload_id] = data
        self.records[upload_id] = {"_id": upload_id, **record, "published": False}
        return None

    async def holding(self, group_id: str, sha256: str) -> dict[str, Any] | None:
        return self._holder(group_id, sha256)

    def _holder(self, group_id: str, sha256: str) -> dict[str, Any] | None:
        found = (r for r in self.records.values() if r["group_id"] == group_id and r.get("sha256") == sha256)
        return next(found, None)

    async def forget_file(self, upload_id: str) -> None:
        self.records[upload_id].pop("sha256", None)

    async def mark_published(self, upload_id: str) -> None:
        self.records[upload_id]["published"] = True

    async def get(self, upload_id: str) -> dict[str, Any] | None:
        return self.records.get(upload_id)

    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        return [
            u
            for u, r in self.records.items()
            if not r["published"] and r["received_at"] < older_than and not r.get("failed")
        ]

    async def note_failed_attempt(self, upload_id: str) -> int:
        record = self.records[upload_id]
        record["publish_attempts"] = record.get("publish_attempts", 0) + 1
        return record["publish_attempts"]

    async def mark_failed(self, upload_id: str, reason: str) -> None:
        self.records[upload_id] |= {"failed": True, "failure": reason}
        self.records[upload_id].pop("sha256", None)

    async def read_file(self, upload_id: str) -> bytes:
        return self.files[upload_id]

    async def note_reported(self, upload_id: str, application_ids: list[str]) -> None:
        record = self.records[upload_id]
        record["reported_applications"] = sorted({*record.get("reported_applications", ()), *application_ids})


class InMemoryGroupStore:
    def __init__(self) -> None:
        self.groups: dict[str, TemplateGroup] = {}

    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        for e in events:
            self.groups[e.group_id] = TemplateGroup(e.group_id, e.name, e.region, tuple(subgroup_ids(e)))

    async def get(self, group_id: str) -> TemplateGroup | None:
        return self.groups.get(group_id)

    async def count(self) -> int:
        return len(self.groups)
