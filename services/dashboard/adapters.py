"""The dashboard's read models (its own database), behind the Protocol the
use cases need: written only by the projections, read by the queries. The
in-memory fake for unit tests is in ``tests/fakes.py``."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.applications import is_application_id, upload_of
from shared.mongo import MongoStore, find_row, insert_new, set_by_id, update_rows
from shared.revisions import Rows, apply_revisions

from .domain import MemberSearch

Doc = dict[str, Any]
Pairs = list[tuple[str, Doc]]


class ReadModelStore(Protocol):
    # --- written by the projections ---
    async def set_groups(self, groups: Pairs) -> None: ...
    async def set_members(self, members: Pairs) -> None:
        """Members by id, then each touched group's enrolled count."""
        ...

    async def set_upload(self, upload_id: str, fields: Doc) -> None: ...
    async def merge_rows(self, upload_id: str, group_id: str, incoming: Pairs) -> tuple[Rows, int]:
        """Apply (application id, fields) changes to an upload's rows, newer
        revisions winning; returns the rows and the document's version."""
        ...

    async def set_counts(self, upload_id: str, group_id: str, counts: dict[str, int], version: int) -> None:
        """An upload's counts, unless counts of a newer version of its rows are stored."""
        ...

    async def keep_saved(self, saved: Pairs, gone: list[str]) -> None: ...
    async def add_transactions(self, transactions: Pairs) -> None:
        """Transactions by id; one seen already is left as it was."""
        ...

    async def add_audit(self, entries: Pairs) -> None:
        """Audit entries by id; one seen already is left as it was."""
        ...

    # --- read by the queries ---
    async def groups(self, broker_id: str | None, group_ids: list[str] | None) -> list[Doc]: ...
    async def group(self, group_id: str) -> Doc | None: ...
    async def upload(self, upload_id: str) -> Doc | None: ...
    async def upload_rows(self, upload_id: str) -> Rows: ...
    async def uploads_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        """A group's uploads (those whose UploadAccepted arrived), newest first, with the total."""
        ...

    async def members_page(
        self, group_id: str, search: MemberSearch, page: int, page_size: int
    ) -> tuple[list[Doc], int]:
        """A group's members that ``search`` finds, by ``sort_key``, with the total."""
        ...

    async def application(self, application_id: str) -> Doc | None: ...
    async def saved_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]: ...
    async def transactions_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]: ...
    async def group_count(self) -> int: ...
    async def audit_page(self, group_id: str | None, page: int, page_size: int) -> tuple[list[Doc], int]: ...


class MongoReadModels(MongoStore):
    INDEXES: ClassVar = {
        "book_of_business": [[("broker_id", 1), ("renewal_date", 1)]],
        # Manage Members reads one group's members in name order: the group first.
        "enrolled_members": [[("group_id", 1), ("sort_key", 1)]],
        "uploads": [[("group_id", 1), ("accepted_at", -1)]],
        "saved_applications": [[("group_id", 1), ("upload_id", 1), ("row_number", 1)]],
        "transactions": [[("group_id", 1), ("created_at", -1)]],
        "audit": [[("group_id", 1), ("at", -1)], [("at", -1)]],
    }

    def __init__(self, db: AsyncDatabase) -> None:
        super().__init__(db)
        self.book = db["book_of_business"]
        self.members = db["enrolled_members"]
        self.uploads = db["uploads"]
        # One document per upload holding its rows (250 at most) by application
        # id: one write per batch instead of one per row and no secondary index.
        self.upload_applications = db["upload_applications"]
        # The applications saved for later, by group (few; written only when
        # an application is saved or leaves that state).
        self.saved = db["saved_applications"]
        self.transactions = db["transactions"]
        # Who did what and when (uploads and the actions on applications), for KP reviewers.
        self.audit = db["audit"]

    async def set_groups(self, groups: Pairs) -> None:
        await set_by_id(self.book, groups)

    async def set_members(self, members: Pairs) -> None:
        await set_by_id(self.members, members)
        for group_id in {m["group_id"] for _, m in members}:
            count = await self.members.count_documents({"group_id": group_id})
            await self.book.update_one({"_id": group_id}, {"$set": {"enrolled_count": count}}, upsert=True)

    async def set_upload(self, upload_id: str, fields: Doc) -> None:
        await set_by_id(self.uploads, [(upload_id, fields)])

    async def merge_rows(self, upload_id: str, group_id: str, incoming: Pairs) -> tuple[Rows, int]:
        rows, _, version = await update_rows(
            self.upload_applications, upload_id, lambda rows: apply_revisions(rows, incoming), {"group_id": group_id}
        )
        return rows, version

    async def set_counts(self, upload_id: str, group_id: str, counts: dict[str, int], version: int) -> None:
        # The recorded and lifecycle handlers both write an upload's counts:
        # counts from an older version of its rows never replace newer ones.
        try:
            await self.uploads.update_one(
                {"_id": upload_id, "rows_version": {"$not": {"$gte": version}}},
                {"$set": {**counts, "group_id": group_id, "rows_version": version}},
                upsert=True,
            )
        except DuplicateKeyError:
            pass  # counts of this or a newer version are stored already

    async def keep_saved(self, saved: Pairs, gone: list[str]) -> None:
        await set_by_id(self.saved, saved)
        if gone:
            await self.saved.delete_many({"_id": {"$in": gone}})

    async def add_transactions(self, transactions: Pairs) -> None:
        if transactions:
            await self.transactions.bulk_write(
                [UpdateOne({"_id": _id}, {"$setOnInsert": doc}, upsert=True) for _id, doc in transactions],
                ordered=False,
            )

    async def add_audit(self, entries: Pairs) -> None:
        await insert_new(self.audit, [{"_id": entry_id, **entry} for entry_id, entry in entries])

    async def audit_page(self, group_id: str | None, page: int, page_size: int) -> tuple[list[Doc], int]:
        query = {"group_id": group_id} if group_id else {}
        return await _page(self.audit, query, [("at", -1)], page, page_size)

    async def groups(self, broker_id: str | None, group_ids: list[str] | None) -> list[Doc]:
        query: Doc = {}
        if broker_id is not None:
            query["broker_id"] = broker_id
        if group_ids is not None:
            query["_id"] = {"$in": group_ids}
        return await self.book.find(query).sort("_id", 1).to_list()

    async def group(self, group_id: str) -> Doc | None:
        return await self.book.find_one({"_id": group_id, "name": {"$exists": True}})

    async def upload(self, upload_id: str) -> Doc | None:
        return await self.uploads.find_one({"_id": upload_id})

    async def upload_rows(self, upload_id: str) -> Rows:
        doc = await self.upload_applications.find_one({"_id": upload_id})
        return doc["rows"] if doc else {}

    async def uploads_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        # Counts may be written before the upload's own event: such an upload is listed once it came.
        query = {"group_id": group_id, "accepted_at": {"$exists": True}}
        return await _page(self.uploads, query, [("accepted_at", -1), ("_id", -1)], page, page_size)

    async def members_page(
        self, group_id: str, search: MemberSearch, page: int, page_size: int
    ) -> tuple[list[Doc], int]:
        # SecantusDB reads every document matching the index's equality part
        # and sorts them in memory (a page of a group of 3,000 members: ~80 ms,
        # counting them another ~65 ms; see ../shared/DESIGN.md): the group
        # always comes first, and the unfiltered total is the count its
        # summary keeps (set_members) rather than a count of its members.
        query: Doc = {"group_id": group_id}
        if search.last4 is not None:
            query["ssn_last4"] = search.last4
        if search.words:
            query["$and"] = [{"search_name": {"$regex": re.escape(word)}} for word in search.words]
        if search.everyone:
            summary = await self.book.find_one({"_id": group_id}, {"enrolled_count": 1})
            total = (summary or {}).get("enrolled_count", 0)
        else:
            total = await self.members.count_documents(query)
        cursor = self.members.find(query).sort("sort_key", 1).skip((page - 1) * page_size).limit(page_size)
        return await cursor.to_list(), total

    async def application(self, application_id: str) -> Doc | None:
        if not is_application_id(application_id):
            return None
        row = await find_row(self.upload_applications, upload_of(application_id), application_id)
        return {"_id": application_id, **row} if row else None

    async def saved_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        """The group's applications saved for later, by upload and row."""
        return await _page(self.saved, {"group_id": group_id}, [("upload_id", 1), ("row_number", 1)], page, page_size)

    async def transactions_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        return await _page(self.transactions, {"group_id": group_id}, [("created_at", -1)], page, page_size)

    async def group_count(self) -> int:
        return await self.book.count_documents({})


async def _page(collection: AsyncCollection, query: Doc, sort: list, page: int, page_size: int) -> tuple[list, int]:
    """One page of a query's documents, with the total."""
    total = await collection.count_documents(query)
    cursor = collection.find(query).sort(sort).skip((page - 1) * page_size).limit(page_size)
    return await cursor.to_list(), total
