"""The dashboard's read models (its own database), behind the Protocol the
use cases need: written only by the projections, read by the queries. The
in-memory fake for unit tests is in ``tests/fakes.py``."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial
from typing import Any, ClassVar, Protocol

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.contracts.applications import is_application_id, upload_of
from shared.mongo import DUPLICATE_KEY, MongoStore, find_row, insert_new, rewrite, set_by_id, update_rows
from shared.revisions import Rows, apply_revisions

from . import book, group_page, history
from .book import Scope
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
    async def set_transactions(self, transactions: Pairs) -> None:
        """Transactions by id; one held at the same or a newer revision is left as it was."""
        ...

    async def recount_transactions(self, days: set[tuple[str, str]]) -> None:
        """Each (scope, day)'s counts in its scope's summary, recounted from that day's transactions."""
        ...

    async def adopt_transactions(self, groups: dict[str, Doc]) -> list[Doc]:
        """Transactions recorded before their group was known (no broker): given the group's broker
        and name now; answers them as they are after the change."""
        ...

    async def summarize_groups(self, group_ids: list[str]) -> None:
        """Each group's entry in its broker's book summary (moved when the broker changed)."""
        ...

    async def summarize_counts(self, group_ids: list[str]) -> None:
        """Each group's enrolled count in its broker's book summary."""
        ...

    async def add_audit(self, entries: Pairs) -> None:
        """Audit entries by id; one seen already is left as it was."""
        ...

    async def merge_group_details(self, changes: list[tuple[str, int, Doc]]) -> None:
        """Each (group id, version, fields) into the group page's details (``group_page.merged``)."""
        ...

    async def group_details(self, group_id: str) -> Doc | None: ...

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
    async def groups_by_id(self, group_ids: list[str]) -> dict[str, Doc]: ...
    async def book_entries(self, scope: Scope) -> dict[str, Doc]:
        """The scope's groups as summary entries (with their broker), by group id."""
        ...

    async def transaction_days(self, scope_key: str) -> history.Days: ...
    async def transactions_window(
        self, scope: Scope, query: history.HistoryQuery, window: history.Window, limit: int
    ) -> list[Doc]:
        """The window's transactions the query finds, newest first, from the window's skip on."""
        ...

    async def group_transactions(self, group_id: str, broker_id: str) -> list[Doc]:
        """Every transaction of one group made under one broker (a group's are few)."""
        ...

    async def audit_page(self, group_id: str | None, page: int, page_size: int) -> tuple[list[Doc], int]: ...


# The transaction history's index for each kind of scope: the scope leads, then the day.
HISTORY_INDEXES: dict[str, list[tuple[str, int]]] = {
    "group": [("group_id", 1), ("created_at", -1)],
    "broker": [("broker_id", 1), ("created_at", -1), ("_id", -1)],
    "all": [("created_at", -1), ("_id", -1)],
}


class MongoReadModels(MongoStore):
    INDEXES: ClassVar = {
        "book_of_business": [[("broker_id", 1), ("renewal_date", 1)]],
        # The history of a scope read a range of days at a time: the scope first, then the day.
        # (A group's: the index below; every reviewer's: created_at alone.)
        # Manage Members reads one group's members in name order: the group first.
        "enrolled_members": [[("group_id", 1), ("sort_key", 1)]],
        "uploads": [[("group_id", 1), ("accepted_at", -1)]],
        "saved_applications": [[("group_id", 1), ("upload_id", 1), ("row_number", 1)]],
        "transactions": list(HISTORY_INDEXES.values()),
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
        # One document per broker: each group of their book as a small entry (book.summary_entry).
        self.book_summaries = db["book_summaries"]
        # One document per scope (all, broker:<id>, group:<id>): each day's counts of its transactions.
        self.transaction_summaries = db["transaction_summaries"]
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

    async def set_transactions(self, transactions: Pairs) -> None:
        if not transactions:
            return
        try:
            await self.transactions.bulk_write(
                [
                    UpdateOne({"_id": _id, "revision": {"$not": {"$gte": doc["revision"]}}}, {"$set": doc}, upsert=True)
                    for _id, doc in transactions
                ],
                ordered=False,
            )
        except BulkWriteError as exc:  # held at this or a newer revision already: left as it is
            if any(e["code"] != DUPLICATE_KEY for e in exc.details["writeErrors"]):
                raise

    async def recount_transactions(self, days: set[tuple[str, str]]) -> None:
        for scope_key, day in sorted(days):
            # The key as scopes_of made it (not the HTTP parser: an id it would refuse must not fail the batch).
            kind, _, scope_id = scope_key.partition(":")
            scope = Scope(kind, scope_id) if scope_id else Scope(kind)
            counts = history.day_counts(await self.day_cursor(scope, day).to_list())
            change = {"$set": {f"days.{day}": counts}} if counts else {"$unset": {f"days.{day}": ""}}
            await self.transaction_summaries.update_one({"_id": scope_key}, change, upsert=True)

    async def transaction_days(self, scope_key: str) -> history.Days:
        found = await self.transaction_summaries.find_one({"_id": scope_key})
        return (found or {}).get("days", {})

    async def transactions_window(
        self, scope: Scope, query: history.HistoryQuery, window: history.Window, limit: int
    ) -> list[Doc]:
        return await self.history_cursor(scope, query, window).limit(limit).to_list()

    async def group_transactions(self, group_id: str, broker_id: str) -> list[Doc]:
        wanted = {"group_id": group_id, "broker_id": broker_id}
        return await self.transactions.find(wanted).hint(HISTORY_INDEXES["group"]).to_list()

    def history_cursor(self, scope: Scope, query: history.HistoryQuery, window: history.Window) -> AsyncCursor:
        """A history page's query: the scope's transactions of the window's days, newest first."""
        wanted = _scope_filter(scope) | _created_within(window) | query.column_filters()
        if query.group_id:
            wanted["group_id"] = query.group_id
        # Hinted: SecantusDB 0.7 scans the collection when the filter names a
        # field its index lacks (type, status, creator), whatever the range.
        cursor = self.transactions.find(wanted).hint(HISTORY_INDEXES[scope.kind])
        return cursor.sort([("created_at", -1), ("_id", -1)]).skip(window.skip)

    def day_cursor(self, scope: Scope, day: str) -> AsyncCursor:
        """One day of a scope's transactions, as a recount reads them."""
        wanted = _scope_filter(scope) | _created_within(history.Window(day, day, 0))
        return self.transactions.find(wanted, {"type": 1, "status": 1, "created_by": 1})

    async def summarize_groups(self, group_ids: list[str]) -> None:
        # One write per broker per batch: each rewrites the broker's whole summary.
        sets: dict[str, Doc] = {}
        unsets: dict[str, Doc] = {}
        moved = []
        for doc in await self.book.find({"_id": {"$in": group_ids}, "broker_id": {"$exists": True}}).to_list():
            broker, before = doc["broker_id"], doc.get("summary_broker")
            if before and before != broker:
                unsets.setdefault(before, {})[f"groups.{doc['_id']}"] = ""
            entry = book.summary_entry(doc)
            sets.setdefault(broker, {}).update({f"groups.{doc['_id']}.{k}": v for k, v in entry.items()})
            if before != broker:
                moved.append(UpdateOne({"_id": doc["_id"]}, {"$set": {"summary_broker": broker}}))
        for broker, fields in unsets.items():
            await self.book_summaries.update_one({"_id": broker}, {"$unset": fields})
        for broker, fields in sets.items():
            await self.book_summaries.update_one({"_id": broker}, {"$set": fields}, upsert=True)
        if moved:
            await self.book.bulk_write(moved, ordered=False)

    async def summarize_counts(self, group_ids: list[str]) -> None:
        sets: dict[str, Doc] = {}
        for doc in await self.book.find({"_id": {"$in": group_ids}, "summary_broker": {"$exists": True}}).to_list():
            sets.setdefault(doc["summary_broker"], {})[f"groups.{doc['_id']}.enrolled_count"] = doc.get(
                "enrolled_count", 0
            )
        for broker, fields in sets.items():
            await self.book_summaries.update_one({"_id": broker}, {"$set": fields})

    async def groups_by_id(self, group_ids: list[str]) -> dict[str, Doc]:
        return {d["_id"]: d for d in await self.book.find({"_id": {"$in": group_ids}}).to_list()}

    async def adopt_transactions(self, groups: dict[str, Doc]) -> list[Doc]:
        wanted = {"group_id": {"$in": sorted(groups)}, "broker_id": None}
        orphans = await self.transactions.find(wanted).hint(HISTORY_INDEXES["group"]).to_list()
        adopted = []
        for doc in orphans:
            group = groups[doc["group_id"]]
            change = {"broker_id": group.get("broker_id"), "group_name": doc.get("group_name") or group.get("name")}
            await self.transactions.update_one({"_id": doc["_id"], "broker_id": None}, {"$set": change})
            adopted.append(doc | change)
        return adopted

    async def book_entries(self, scope: Scope) -> dict[str, Doc]:
        if scope.kind == "group":
            doc = await self.group(scope.id)
            return {doc["_id"]: book.summary_entry(doc) | {"broker_id": doc.get("broker_id")}} if doc else {}
        summaries = (
            await self.book_summaries.find({}).to_list()
            if scope.kind == "all"
            else [await self.book_summaries.find_one({"_id": scope.id}) or {"_id": scope.id}]
        )
        return {g: e | {"broker_id": s["_id"]} for s in summaries for g, e in s.get("groups", {}).items()}

    async def add_audit(self, entries: Pairs) -> None:
        await insert_new(self.audit, [{"_id": entry_id, **entry} for entry_id, entry in entries])

    async def merge_group_details(self, changes: list[tuple[str, int, Doc]]) -> None:
        # A version-checked rewrite per group: registrations and a group's own
        # changes come from two subscribers (two topics) that may write at once.
        for group_id, version, fields in changes:
            merge = partial(group_page.merged, version=version, fields=fields)
            await rewrite(self.db["group_details"], group_id, merge)

    async def group_details(self, group_id: str) -> Doc | None:
        return await self.db["group_details"].find_one({"_id": group_id})

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


def _scope_filter(scope: Scope) -> Doc:
    """The transactions a scope sees: the leading key of the index its queries use."""
    if scope.kind == "broker":
        return {"broker_id": scope.id}
    if scope.kind == "group":
        return {"group_id": scope.id}
    return {}


def _created_within(window: history.Window) -> Doc:
    # Not "$gte": SecantusDB 0.7 takes it as "$gt" on a descending index key
    # (a transaction made at midnight fell out of its day; found by
    # tests/integration/test_broker_home_store.py). Times are kept to the
    # millisecond, so "after a millisecond before" is the same range anywhere.
    low, high = window.bounds()
    return {"created_at": {"$gt": low - timedelta(milliseconds=1), "$lt": high}}


async def _page(collection: AsyncCollection, query: Doc, sort: list, page: int, page_size: int) -> tuple[list, int]:
    """One page of a query's documents, with the total."""
    total = await collection.count_documents(query)
    cursor = collection.find(query).sort(sort).skip((page - 1) * page_size).limit(page_size)
    return await cursor.to_list(), total
