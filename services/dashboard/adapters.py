"""The dashboard's read models (its own database). Written only by event
handlers; the HTTP queries only read them."""

from __future__ import annotations

from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import UploadAccepted
from shared.mongo import set_by_id, upsert_unless_newer

from .domain import STATUSES, application_row, group_document


class ReadModels:
    def __init__(self, db: AsyncDatabase) -> None:
        self.groups = db["book_of_business"]
        self.members = db["enrolled_members"]
        self.uploads = db["uploads"]
        self.upload_applications = db["upload_applications"]
        self.transactions = db["transactions"]

    async def create_indexes(self) -> None:
        await self.groups.create_index([("broker_id", 1), ("renewal_date", 1)])
        await self.members.create_index([("group_id", 1)])
        await self.upload_applications.create_index([("upload_id", 1), ("status", 1), ("row_number", 1)])
        await self.upload_applications.create_index([("group_id", 1), ("status", 1)])
        await self.transactions.create_index([("group_id", 1), ("created_at", -1)])

    # --- projections -------------------------------------------------------
    async def upsert_groups(self, events: list[GroupRegistered]) -> None:
        await set_by_id(self.groups, [(e.group_id, group_document(e)) for e in events])

    async def upsert_members(self, events: list[MemberEnrolled]) -> None:
        """Members by id (names and last four only), then each touched group's count."""
        await set_by_id(
            self.members,
            [
                (
                    e.member_id,
                    {
                        "group_id": e.group_id,
                        "subgroup_id": e.subgroup_id,
                        "ssn_last4": e.ssn_last4,
                        "first_name": e.first_name,
                        "last_name": e.last_name,
                    },
                )
                for e in events
            ],
        )
        for group_id in {e.group_id for e in events}:
            count = await self.members.count_documents({"group_id": group_id})
            await self.groups.update_one({"_id": group_id}, {"$set": {"enrolled_count": count}}, upsert=True)

    async def upsert_upload(self, event: UploadAccepted) -> None:
        await self.uploads.update_one(
            {"_id": event.upload_id},
            {
                "$set": {
                    "group_id": event.group_id,
                    "file_name": event.file_name,
                    "total_rows": event.total_rows,
                    "accepted_at": event.occurred_at,
                }
            },
            upsert=True,
        )

    async def upsert_upload_applications(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        await upsert_unless_newer(self.upload_applications, docs)

    async def upsert_transactions(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        if docs:
            await self.transactions.bulk_write(
                [UpdateOne({"_id": _id}, {"$setOnInsert": doc}, upsert=True) for _id, doc in docs], ordered=False
            )

    async def refresh_counts(self, upload_ids: set[str], group_of: dict[str, str]) -> None:
        """Counts are recounted from the application rows, never incremented,
        so a redelivered event cannot count twice."""
        for upload_id in upload_ids:
            counts = {s: 0 for s in STATUSES}
            pipeline = [{"$match": {"upload_id": upload_id}}, {"$group": {"_id": "$status", "n": {"$sum": 1}}}]
            async for row in await self.upload_applications.aggregate(pipeline):
                counts[row["_id"]] = row["n"]
            await self.uploads.update_one(
                {"_id": upload_id}, {"$set": {**counts, "group_id": group_of[upload_id]}}, upsert=True
            )

    # --- queries -----------------------------------------------------------
    async def list_groups(self, broker_id: str | None = None, group_ids: list[str] | None = None) -> list[dict]:
        query: dict[str, Any] = {}
        if broker_id is not None:
            query["broker_id"] = broker_id
        if group_ids is not None:
            query["_id"] = {"$in": group_ids}
        return [_group_view(d) async for d in self.groups.find(query).sort("_id", 1)]

    async def get_group(self, group_id: str) -> dict | None:
        doc = await self.groups.find_one({"_id": group_id})
        return _group_view(doc) if doc and "name" in doc else None

    async def get_upload(self, upload_id: str) -> dict | None:
        return await self.uploads.find_one({"_id": upload_id})

    async def page_of_applications(self, query: dict[str, Any], page: int, page_size: int) -> dict[str, Any]:
        total = await self.upload_applications.count_documents(query)
        cursor = (
            self.upload_applications.find(query)
            .sort([("upload_id", 1), ("row_number", 1)])
            .skip((page - 1) * page_size)
            .limit(page_size)
        )
        return {
            "items": [application_row(d) async for d in cursor],
            "total": total,
            "page": page,
            "page_size": page_size,
        }

    async def get_application(self, application_id: str) -> dict | None:
        doc = await self.upload_applications.find_one({"_id": application_id})
        return application_row(doc) if doc else None

    async def page_of_transactions(self, group_id: str, page: int, page_size: int) -> dict[str, Any]:
        query = {"group_id": group_id}
        total = await self.transactions.count_documents(query)
        cursor = self.transactions.find(query).sort("created_at", -1).skip((page - 1) * page_size).limit(page_size)
        items = [{"transaction_id": d.pop("_id"), **d} async for d in cursor]
        return {"items": items, "total": total, "page": page, "page_size": page_size}

    async def counts(self) -> dict[str, int]:
        return {"groups": await self.groups.count_documents({})}


def _group_view(doc: dict) -> dict:
    return {
        "group_id": doc["_id"],
        "name": doc.get("name"),
        "region": doc.get("region"),
        "broker_id": doc.get("broker_id"),
        "subgroups": doc.get("subgroups", []),
        "renewal_date": doc.get("renewal_date"),
        "acquired_on": doc.get("acquired_on"),
        "enrolled_count": doc.get("enrolled_count", 0),
    }
