"""An in-memory ApplicationStore: the same aggregate as the MongoDB store
runs in each change; only the keeping is a dict."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from services.applications.domain import Row, UploadApplications
from shared.contracts.applications import upload_of
from shared.outbox import entry

T = TypeVar("T")


class InMemoryApplicationStore:
    def __init__(self) -> None:
        self.uploads: dict[str, dict[str, Any]] = {}
        self.expiries: dict[str, datetime] = {}
        self.agreements: dict[str, bytes] = {}

    @property
    def apps(self) -> dict[str, Row]:
        """Every application by id, for assertions."""
        return {a: r for doc in self.uploads.values() for a, r in doc["rows"].items()}

    async def get(self, application_id: str) -> Row | None:
        row = self.uploads.get(upload_of(application_id), {"rows": {}})["rows"].get(application_id)
        return {"_id": application_id, **row} if row else None

    async def upload(self, upload_id: str) -> UploadApplications:
        doc = self.uploads.get(upload_id, {"rows": {}})
        return UploadApplications(upload_id, dict(doc["rows"]), withdrawn_by=doc.get("withdrawn_by"))

    async def change(
        self, upload_id: str, decide: Callable[[UploadApplications], T], fields: Callable[[], dict[str, Any]]
    ) -> T:
        current = self.uploads.get(upload_id)
        aggregate = await self.upload(upload_id)
        result = decide(aggregate)
        if current is None and not aggregate.rows and not aggregate.events and aggregate.withdrawn_by is None:
            return result
        if current is None:
            current = self.uploads[upload_id] = {**fields(), "rows": {}, "outbox": []}
        current["rows"] = aggregate.rows
        if aggregate.withdrawn_by is not None:
            current["withdrawn_by"] = aggregate.withdrawn_by
        current["outbox"] = current["outbox"] + [copy.deepcopy(entry(e)) for e in aggregate.events]
        return result

    async def outboxes_waiting(self, older_than: datetime) -> list[str]:
        return [upload_id for upload_id, doc in self.uploads.items() if doc["outbox"]]

    async def outbox(self, upload_id: str) -> list[dict[str, Any]]:
        return list(self.uploads.get(upload_id, {}).get("outbox", []))

    async def clear_outbox(self, upload_id: str, event_ids: set[str]) -> None:
        doc = self.uploads[upload_id]
        doc["outbox"] = [e for e in doc["outbox"] if e["event_id"] not in event_ids]

    async def note_expiry(self, application_id: str, expires_at: datetime) -> None:
        self.expiries[application_id] = expires_at

    async def due_for_expiry(self, now: datetime, limit: int = 500) -> list[tuple[str, datetime]]:
        return [(a, at) for a, at in self.expiries.items() if at <= now][:limit]

    async def forget_expiry(self, notes: list[tuple[str, datetime]]) -> None:
        for app_id, at in notes:
            if self.expiries.get(app_id) == at:
                del self.expiries[app_id]

    async def save_agreement(self, application_id: str, file_name: str, data: bytes) -> str:
        self.agreements[application_id] = data
        return f"{application_id}:agreement"

    async def read_agreement(self, application_id: str) -> bytes | None:
        return self.agreements.get(application_id)
