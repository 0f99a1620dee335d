"""The dashboard's read models (its own database), behind the Protocol the
use cases need: written only by the projections, read by the queries. The
in-memory fake for unit tests is in ``tests/fakes.py``."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from functools import partial
from typing import Any, ClassVar, Protocol

from cachetools import LRUCache
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.cursor import AsyncCursor
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.contracts.applications import is_application_id, upload_of
from shared.contracts.transactions import TRANSACTION_STATUSES, TRANSACTION_TYPES
from shared.mongo import MongoStore, find_row, insert_new, rewrite, set_by_id, update_rows
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
    async def record_transactions(self, transactions: Pairs) -> None:
        """Transactions by id (one held at the same or a newer revision is left as it was) and, in the
        same multi-document transaction, the monthly counts of every scope they are seen in."""
        ...

    async def adopt_transactions(self, groups: dict[str, Doc]) -> None:
        """Transactions recorded before their group was known (no broker): given the group's broker
        and name now, and counted in that broker's history."""
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

    async def transaction_months(self, scope_key: str) -> list[history.Summary]:
        """The scope's monthly summaries of its transactions."""
        ...

    async def transactions_window(
        self, scope: Scope, query: history.HistoryQuery, window: history.Window, limit: int
    ) -> list[Doc]:
        """The window's transactions the query finds, newest first, from the window's skip on."""
        ...

    async def group_transactions(self, group_id: str, broker_id: str) -> list[Doc]:
        """Every transaction of one group made under one broker (a group's are few)."""
        ...

    async def kept(self, name: str, scope: Scope, day: Any, make: Callable[[], Awaitable[Any]]) -> Any:
        """What ``make`` answers for the scope and day, made again only when the scope's book or
        history changed (their numbers in ``versions``): an answer that depends on nothing else."""
        ...

    async def audit_page(self, group_id: str | None, page: int, page_size: int) -> tuple[list[Doc], int]: ...


# The transaction history's index for each kind of scope: the scope leads, then the business day
# (a window of days is a range on it; a group's own list also sorts on created_at).
HISTORY_INDEXES: dict[str, list[tuple[str, int]]] = {
    "group": [("group_id", 1), ("day", 1), ("created_at", -1)],
    "broker": [("broker_id", 1), ("day", 1)],
    "all": [("day", 1)],
}
# A page filtered by type or status, read one (type, status) at a time: SecantusDB 0.7 uses an index
# only for equalities on its leading keys and a range on the next ($in, or a range before an
# equality, is a collection scan), so the filter's values lead and the day comes last. A group's
# few transactions are read by day alone.
FACET_INDEXES: dict[str, list[tuple[str, int]]] = {
    "broker": [("broker_id", 1), ("type", 1), ("status", 1), ("day", 1)],
    "all": [("type", 1), ("status", 1), ("day", 1)],
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
        "transactions": [*HISTORY_INDEXES.values(), *FACET_INDEXES.values()],
        "audit": [[("group_id", 1), ("at", -1)], [("at", -1)]],
        "transaction_months": [[("scope", 1), ("month", 1)]],
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
        # Transactions projected before their group (no broker yet), by group: adopted when it arrives.
        self.orphans = db["orphan_transactions"]
        # One document per broker: each group of their book as a small entry (book.summary_entry).
        self.book_summaries = db["book_summaries"]
        # One document per scope (all, broker:<id>, group:<id>) and month: the counts of its transactions
        # by (type, status, creator) for the month and each day (history.count_changes).
        self.months = db["transaction_months"]
        # A number per cached thing (a broker's book, all the books), raised after each change of it.
        self.versions = db["versions"]
        # Bounded: a reviewer opening many groups' histories must not grow it without end.
        self._cache: LRUCache[str, tuple[Any, Any]] = LRUCache(maxsize=2_000)
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

    async def record_transactions(self, transactions: Pairs) -> None:
        def newer(before: Doc | None, fields: Doc) -> bool:
            return before is None or before.get("revision", 0) < fields["revision"]

        await self._rewrite_transactions(transactions, newer)

    async def adopt_transactions(self, groups: dict[str, Doc]) -> None:
        # The waiting ones are noted apart (a handful at most): a query for them among every
        # transaction would be a collection scan on SecantusDB ($in on a field that is not _id).
        noted = await self.orphans.find({"group_id": {"$in": sorted(groups)}}).to_list()
        orphans = await self.transactions.find({"_id": {"$in": [o["_id"] for o in noted]}}).to_list() if noted else []
        changes = [
            (
                doc["_id"],
                {
                    "broker_id": groups[doc["group_id"]].get("broker_id"),
                    "group_name": doc.get("group_name") or groups[doc["group_id"]].get("name"),
                },
            )
            for doc in orphans
        ]
        await self._rewrite_transactions(changes, lambda before, _: before is not None and not before.get("broker_id"))

    async def _rewrite_transactions(self, changes: Pairs, accept: Callable[[Doc | None, Doc], bool]) -> None:
        """The changes ``accept`` takes (given each transaction as it is) and the monthly counts they
        move, as one multi-document transaction: a redelivered batch finds its transactions as it
        left them and changes nothing; two writers of one summary conflict and the driver retries."""
        if not changes:
            return

        async def write(session: AsyncClientSession) -> None:
            ids = sorted({i for i, _ in changes})
            found = self.transactions.find({"_id": {"$in": ids}}, session=session)
            before = {d["_id"]: d for d in await found.to_list()}
            after: dict[str, Doc] = {}
            for _id, fields in changes:
                current = after.get(_id, before.get(_id))
                if accept(current, fields):
                    after[_id] = (current or {"_id": _id}) | fields
            if not after:
                return
            orphaned = [_id for _id, doc in after.items() if doc.get("group_id") and not doc.get("broker_id")]
            adopted = [
                _id
                for _id, doc in after.items()
                if doc.get("broker_id") and _id in before and not before[_id].get("broker_id")
            ]
            if orphaned:
                await self.orphans.bulk_write(
                    [
                        UpdateOne({"_id": _id}, {"$set": {"group_id": after[_id]["group_id"]}}, upsert=True)
                        for _id in orphaned
                    ],
                    session=session,
                )
            if adopted:
                await self.orphans.delete_many({"_id": {"$in": adopted}}, session=session)
            await self.transactions.bulk_write(
                [UpdateOne({"_id": _id}, {"$set": _without_id(doc)}, upsert=True) for _id, doc in after.items()],
                ordered=False,
                session=session,
            )
            updates = history.count_changes([(before.get(_id), doc) for _id, doc in after.items()])
            if updates:
                await self.months.bulk_write(
                    [UpdateOne({"_id": sid}, update, upsert=True) for sid, update in updates.items()],
                    ordered=False,
                    session=session,
                )
            # Every scope that sees a changed transaction, before or after (an answer kept for it, the
            # home's recent list, shows its instructions and group name, not only the counts).
            scopes = sorted(
                {
                    scope
                    for _id, doc in after.items()
                    for d in (before.get(_id), doc)
                    if d
                    for scope in history.scopes_of(d)
                }
            )
            if scopes:
                await self.versions.bulk_write(
                    [UpdateOne({"_id": f"history:{scope}"}, {"$inc": {"v": 1}}, upsert=True) for scope in scopes],
                    ordered=False,
                    session=session,
                )

        async with self.db.client.start_session() as session:
            await session.with_transaction(write)

    async def transaction_months(self, scope_key: str) -> list[history.Summary]:
        # Kept between requests until the scope's version moves (raised in the write's transaction).
        return await self._cached(f"history:{scope_key}", lambda: self.months.find({"scope": scope_key}).to_list())

    async def kept(self, name: str, scope: Scope, day: Any, make: Callable[[], Awaitable[Any]]) -> Any:
        # A group's book is its group document, which has no version: made every time.
        if scope.kind == "group":
            return await make()
        return await self._cached(f"{name}:{scope.key}", make, [_book_key_of(scope), f"history:{scope.key}"], day)

    async def _cached(
        self, key: str, load: Callable[[], Awaitable[Any]], versions: list[str] | None = None, day: Any = None
    ) -> Any:
        """What ``load`` gives, made again only when one of the named numbers in the ``versions``
        collection (by default ``key``'s own) moved, or the day changed."""
        names = versions or [key]
        found = {d["_id"]: d.get("v", 0) for d in await self.versions.find({"_id": {"$in": names}}).to_list()}
        stamp = (tuple(found.get(n, 0) for n in names), day)
        held = self._cache.get(key)
        if held is not None and held[0] == stamp:
            return held[1]
        value = await load()
        self._cache[key] = (stamp, value)
        return value

    async def transactions_window(
        self, scope: Scope, query: history.HistoryQuery, window: history.Window, limit: int
    ) -> list[Doc]:
        cursors = self.window_cursors(scope, query, window)
        found = await asyncio.gather(*(cursor.to_list() for cursor in cursors))
        return history.window_page([d for docs in found for d in docs], query, window, limit)

    async def group_transactions(self, group_id: str, broker_id: str) -> list[Doc]:
        # The group alone leads its index; naming the broker too would make SecantusDB scan them all.
        found = await self.group_cursor(group_id).to_list()
        return [d for d in found if d.get("broker_id") == broker_id]

    def group_cursor(self, group_id: str) -> AsyncCursor:
        """Every transaction of one group (a group's are few), on the group's index."""
        return self.transactions.find({"group_id": group_id})

    def window_cursors(self, scope: Scope, query: history.HistoryQuery, window: history.Window) -> list[AsyncCursor]:
        """The reads of a page's window: by day alone, or one per (type, status) the filters allow
        when they name a type or a status (at most four, each on an index's equalities and range)."""
        filters = query.column_filters()
        if scope.kind == "group" or not ({"type", "status"} & set(filters)):
            return [self.window_cursor(scope, window)]
        types = [filters["type"]] if "type" in filters else list(TRANSACTION_TYPES)
        statuses = [filters["status"]] if "status" in filters else list(TRANSACTION_STATUSES)
        return [
            self.transactions.find(_scope_filter(scope) | {"type": kind, "status": status, "day": _days(window)})
            for kind in types
            for status in statuses
        ]

    def window_cursor(self, scope: Scope, window: history.Window) -> AsyncCursor:
        """The scope's transactions of the window's days: a range on the scope's index and nothing
        else (SecantusDB 0.7 scans the collection when a query names a field its index lacks, and a
        hint makes it read the whole index); the filters are applied to what it returns.

        Up to the day after the newest, not "$lte" the newest: SecantusDB 0.7 takes "$lte" as "$lt"
        on an index key followed by another (found by tests/integration/test_broker_home_store.py)."""
        return self.transactions.find(_scope_filter(scope) | {"day": _days(window)})

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
            if before == broker:
                # Already in this summary: its enrolled count is summarize_counts' to write (this
                # read of it may be older than the one that subscriber just wrote).
                entry.pop("enrolled_count")
            sets.setdefault(broker, {}).update({f"groups.{doc['_id']}.{k}": v for k, v in entry.items()})
            if before != broker:
                moved.append(UpdateOne({"_id": doc["_id"]}, {"$set": {"summary_broker": broker}}))
        for broker, fields in unsets.items():
            await self.book_summaries.update_one({"_id": broker}, {"$unset": fields})
        for broker, fields in sets.items():
            await self.book_summaries.update_one({"_id": broker}, {"$set": fields}, upsert=True)
        if moved:
            await self.book.bulk_write(moved, ordered=False)
        await self._changed_books(set(sets) | set(unsets))

    async def summarize_counts(self, group_ids: list[str]) -> None:
        sets: dict[str, Doc] = {}
        for doc in await self.book.find({"_id": {"$in": group_ids}, "summary_broker": {"$exists": True}}).to_list():
            sets.setdefault(doc["summary_broker"], {})[f"groups.{doc['_id']}.enrolled_count"] = doc.get(
                "enrolled_count", 0
            )
        for broker, fields in sets.items():
            await self.book_summaries.update_one({"_id": broker}, {"$set": fields})
        await self._changed_books(set(sets))

    async def groups_by_id(self, group_ids: list[str]) -> dict[str, Doc]:
        return {d["_id"]: d for d in await self.book.find({"_id": {"$in": group_ids}}).to_list()}

    async def book_entries(self, scope: Scope) -> dict[str, Doc]:
        if scope.kind == "group":
            doc = await self.group(scope.id)
            return {doc["_id"]: book.summary_entry(doc) | {"broker_id": doc.get("broker_id")}} if doc else {}

        # A broker's summary (2,000 groups: ~200 KB) is read again only when its version moved:
        # the version is a tiny document, read by id on every request.
        async def load() -> dict[str, Doc]:
            summaries = (
                await self.book_summaries.find({}).to_list()
                if scope.kind == "all"
                else [await self.book_summaries.find_one({"_id": scope.id}) or {"_id": scope.id}]
            )
            return {g: e | {"broker_id": s["_id"]} for s in summaries for g, e in s.get("groups", {}).items()}

        return await self._cached(_book_key_of(scope), load)

    async def _changed_books(self, brokers: set[str]) -> None:
        """After the summaries were written: the versions that tell readers to read them again."""
        if brokers:
            keys = [_book_key(b) for b in sorted(brokers)] + [_book_key(None)]
            await self.versions.bulk_write([UpdateOne({"_id": k}, {"$inc": {"v": 1}}, upsert=True) for k in keys])

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
        # Listed ones only (a cancelled transaction has no day): a range on the index's second key.
        listed = {"group_id": group_id, "day": {"$gt": ""}}
        return await _page(self.transactions, listed, [("created_at", -1)], page, page_size)

    async def group_count(self) -> int:
        return await self.book.count_documents({})


def _days(window: history.Window) -> Doc:
    """The window's days as a range: up to the day after the newest (see window_cursor)."""
    after = (date.fromisoformat(window.first) + timedelta(days=1)).isoformat()
    return {"$gte": window.last, "$lt": after}


def _book_key_of(scope: Scope) -> str:
    return _book_key(scope.id if scope.kind == "broker" else None)


def _book_key(broker_id: str | None) -> str:
    """A broker's book's name in ``versions``; every book's ("*" is no user id: no broker collides)."""
    return f"book:broker:{broker_id}" if broker_id is not None else "book:*"


def _scope_filter(scope: Scope) -> Doc:
    """The transactions a scope sees: the leading key of the index its queries use."""
    if scope.kind == "broker":
        return {"broker_id": scope.id}
    if scope.kind == "group":
        return {"group_id": scope.id}
    return {}


async def _page(collection: AsyncCollection, query: Doc, sort: list, page: int, page_size: int) -> tuple[list, int]:
    """One page of a query's documents, with the total."""
    total = await collection.count_documents(query)
    cursor = collection.find(query).sort(sort).skip((page - 1) * page_size).limit(page_size)
    return await cursor.to_list(), total


def _without_id(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k != "_id"}
