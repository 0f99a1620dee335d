"""The applications service's own store."""

from __future__ import annotations

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import upsert_unless_newer


class ApplicationStore(Protocol):
    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None: ...
    async def get(self, application_id: str) -> dict[str, Any] | None: ...


class MongoApplicationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self._apps = db["applications"]

    async def create_indexes(self) -> None:
        await self._apps.create_index([("upload_id", 1), ("status", 1)])

    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        await upsert_unless_newer(self._apps, docs)

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return await self._apps.find_one({"_id": application_id})


class InMemoryApplicationStore:
    def __init__(self) -> None:
        self.apps: dict[str, dict[str, Any]] = {}

    async def upsert_many(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        for app_id, doc in docs:
            current = self.apps.get(app_id)
            if current is None or current["revision"] <= doc["revision"]:
                self.apps[app_id] = {"_id": app_id, **doc}

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return self.apps.get(application_id)
