"""The dashboard's read models (its own database). Written only by event
handlers; the HTTP queries only read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.applications import by_upload, is_application_id, upload_of
from shared.contracts.reference import GroupRegistered, MemberEnrolled
from shared.contracts.uploads import UploadAccepted
from shared.mongo import apply_revisions, find_row, set_by_id, update_rows

from .domain import application_row, group_document, page_of, paged, status_counts


class ReadModels:
    def __init__(self, db: AsyncDatabase) -> None:
        self.groups = db["book_of_business"]
        self.members = db["enrolled_members"]
        self.uploads = db["uploads"]
        # One document per upload holding its rows (250 at most) by application
        # id: one write per batch instead of one per row and no secondary index.
        self.upload_applications = db["upload_applications"]
        # The applications saved for later, by group (few; written only when
        # an application is saved or leaves that state).
        self.saved = db["saved_applications"]
        self.transactions = db["transactions"]

    async def create_indexes(self) -> None:
        await self.groups.create_index([("broker_id", 1), ("renewal_date", 1)])
        await self.members.create_index([("group_id", 1)])
        await self.saved.create_index([("group_id", 1), ("upload_id", 1), ("row_number", 1)])
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

    async def merge_upload_applications(self, docs: list[tuple[str, dict[str, Any]]], saved_changes: bool) -> None:
        """Apply (application id, row) changes to their uploads' rows, then
        store each upload's counts; with ``saved_changes`` also keep the
        saved-for-later list in step (only lifecycle events move a row into
        or out of it)."""
        for upload_id, incoming in by_upload(docs).items():
            group_id = incoming[0][1]["group_id"]
            rows, _, version = await update_rows(
                self.upload_applications,
                upload_id,
                lambda rows, incoming=incoming: apply_revisions(rows, incoming),
                {"group_id": group_id},
            )
            await self._store_counts(upload_id, group_id, rows, version)
            if saved_changes:
                await self._sync_saved(rows, [app_id for app_id, _ in incoming])

    async def _store_counts(self, upload_id: str, group_id: str, rows: dict, version: int) -> None:
        """The recorded and lifecycle handlers both write an upload's counts:
        counts from an older version of its rows never replace newer ones."""
        try:
            await self.uploads.update_one(
                {"_id": upload_id, "rows_version": {"$not": {"$gte": version}}},
                {"$set": {**status_counts(rows), "group_id": group_id, "rows_version": version}},
                upsert=True,
            )
        except DuplicateKeyError:
            pass  # counts of this or a newer version are stored already

    async def _sync_saved(self, rows: dict[str, dict[str, Any]], app_ids: list[str]) -> None:
        saved = [(a, rows[a]) for a in app_ids if rows[a]["status"] == "saved"]
        await set_by_id(self.saved, saved)
        if gone := sorted(a for a in app_ids if rows[a]["status"] != "saved"):
            await self.saved.delete_many({"_id": {"$in": gone}})

    async def upsert_transactions(self, docs: list[tuple[str, dict[str, Any]]]) -> None:
        if docs:
            await self.transactions.bulk_write(
                [UpdateOne({"_id": _id}, {"$setOnInsert": doc}, upsert=True) for _id, doc in docs], ordered=False
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

    async def upload_page(self, upload_id: str, status: str | None, page: int, page_size: int) -> dict[str, Any]:
        """One tab of an upload (or all its rows), by row number, a page at a time."""
        doc = await self.upload_applications.find_one({"_id": upload_id}) or {"rows": {}}
        rows = sorted(
            (application_row({"_id": a, **r}) for a, r in doc["rows"].items() if status in (None, r["status"])),
            key=lambda r: r["row_number"],
        )
        return page_of(rows, page, page_size)

    async def saved_page(self, group_id: str, page: int, page_size: int) -> dict[str, Any]:
        """The group's applications saved for later, by upload and row."""
        sort = [("upload_id", 1), ("row_number", 1)]
        return await _page(self.saved, {"group_id": group_id}, sort, page, page_size, application_row)

    async def get_application(self, application_id: str) -> dict | None:
        if not is_application_id(application_id):
            return None
        row = await find_row(self.upload_applications, upload_of(application_id), application_id)
        return application_row({"_id": application_id, **row}) if row else None

    async def page_of_transactions(self, group_id: str, page: int, page_size: int) -> dict[str, Any]:
        return await _page(
            self.transactions, {"group_id": group_id}, [("created_at", -1)], page, page_size, _transaction_view
        )

    async def counts(self) -> dict[str, int]:
        return {"groups": await self.groups.count_documents({})}


async def _page(
    collection: AsyncCollection, query: dict, sort: list, page: int, page_size: int, view: Callable[[dict], dict]
) -> dict[str, Any]:
    """One page of a query's documents, with the total."""
    total = await collection.count_documents(query)
    cursor = collection.find(query).sort(sort).skip((page - 1) * page_size).limit(page_size)
    return paged([view(d) async for d in cursor], total, page, page_size)


def _transaction_view(doc: dict) -> dict:
    return {"transaction_id": doc.pop("_id"), **doc}


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
