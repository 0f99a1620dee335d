"""An in-memory ReadModelStore for unit tests: dicts, the same merge rule."""

from __future__ import annotations

from typing import Any

from services.dashboard import book, group_page, history
from services.dashboard.book import Scope
from services.dashboard.domain import MemberSearch
from shared.revisions import Rows, apply_revisions

Doc = dict[str, Any]


class InMemoryReadModels:
    def __init__(self) -> None:
        self.book: dict[str, Doc] = {}
        self.members: dict[str, Doc] = {}
        self.uploads: dict[str, Doc] = {}
        self.rows: dict[str, tuple[Rows, int]] = {}  # upload id -> (rows, version)
        self.saved: dict[str, Doc] = {}
        self.transactions: dict[str, Doc] = {}
        self.audit: dict[str, Doc] = {}
        self.details: dict[str, Doc] = {}  # the group page's details, by group id
        self.book_summaries: dict[str, dict[str, Doc]] = {}  # broker -> group id -> entry
        self.months: dict[str, history.Summary] = {}  # summary id -> monthly counts

    async def set_groups(self, groups: list[tuple[str, Doc]]) -> None:
        for group_id, fields in groups:
            self.book[group_id] = {**self.book.get(group_id, {}), **fields}

    async def set_members(self, members: list[tuple[str, Doc]]) -> None:
        self.members.update(members)
        for group_id in {m["group_id"] for _, m in members}:
            count = sum(m["group_id"] == group_id for m in self.members.values())
            self.book[group_id] = {**self.book.get(group_id, {}), "enrolled_count": count}

    async def set_upload(self, upload_id: str, fields: Doc) -> None:
        self.uploads[upload_id] = {**self.uploads.get(upload_id, {"_id": upload_id}), **fields}

    async def merge_rows(self, upload_id: str, group_id: str, incoming: list[tuple[str, Doc]]) -> tuple[Rows, int]:
        rows, version = self.rows.get(upload_id, ({}, 0))
        merged = dict(rows)
        apply_revisions(merged, incoming)
        if merged != rows:
            rows, version = merged, version + 1
            self.rows[upload_id] = (rows, version)
        return rows, version

    async def set_counts(self, upload_id: str, group_id: str, counts: dict[str, int], version: int) -> None:
        current = self.uploads.get(upload_id, {"_id": upload_id})
        if current.get("rows_version", 0) < version:
            self.uploads[upload_id] = {**current, **counts, "group_id": group_id, "rows_version": version}

    async def keep_saved(self, saved: list[tuple[str, Doc]], gone: list[str]) -> None:
        self.saved.update(saved)
        for application_id in gone:
            self.saved.pop(application_id, None)

    async def record_transactions(self, transactions: list[tuple[str, Doc]]) -> None:
        self._rewrite(transactions, lambda before, doc: before is None or before.get("revision", 0) < doc["revision"])

    async def adopt_transactions(self, groups: dict[str, Doc]) -> None:
        changes = [
            (
                t,
                {
                    "broker_id": groups[d["group_id"]].get("broker_id"),
                    "group_name": d.get("group_name") or groups[d["group_id"]].get("name"),
                },
            )
            for t, d in self.transactions.items()
            if d["group_id"] in groups and d.get("broker_id") is None
        ]
        self._rewrite(changes, lambda before, _: before is not None and not before.get("broker_id"))

    def _rewrite(self, changes: list[tuple[str, Doc]], accept) -> None:
        after: dict[str, Doc] = {}
        for transaction_id, fields in changes:
            current = after.get(transaction_id, self.transactions.get(transaction_id))
            if accept(current, fields):
                after[transaction_id] = {**(current or {}), **fields}
        updates = history.count_changes([(self.transactions.get(t), d) for t, d in after.items()])
        self.transactions.update(after)
        for summary_id, update in updates.items():
            history.apply_update(self.months.setdefault(summary_id, {"_id": summary_id}), update)

    async def kept(self, name: str, scope: Scope, day: Any, make) -> Any:
        return await make()

    async def transaction_months(self, scope_key: str) -> list[history.Summary]:
        return [s for s in self.months.values() if s.get("scope") == scope_key]

    async def transactions_window(
        self, scope: Scope, query: history.HistoryQuery, window: history.Window, limit: int
    ) -> list[Doc]:
        days = [
            {"_id": t, **d}
            for t, d in self.transactions.items()
            if scope.key in history.scopes_of(d) and d.get("day") and window.last <= d["day"] <= window.first
        ]
        return history.window_page(days, query, window, limit)

    async def summarize_groups(self, group_ids: list[str]) -> None:
        for group_id in group_ids:
            doc = self.book.get(group_id, {})
            if "broker_id" not in doc:
                continue
            for broker, entries in self.book_summaries.items():
                if broker != doc["broker_id"]:
                    entries.pop(group_id, None)
            self.book_summaries.setdefault(doc["broker_id"], {})[group_id] = book.summary_entry(doc)

    async def summarize_counts(self, group_ids: list[str]) -> None:
        for group_id in group_ids:
            for entries in self.book_summaries.values():
                if group_id in entries:
                    entries[group_id]["enrolled_count"] = self.book[group_id].get("enrolled_count", 0)

    async def groups_by_id(self, group_ids: list[str]) -> dict[str, Doc]:
        return {g: {"_id": g, **self.book[g]} for g in group_ids if g in self.book}

    async def book_entries(self, scope: Scope) -> dict[str, Doc]:
        if scope.kind == "group":
            doc = await self.group(scope.id)
            return {scope.id: book.summary_entry(doc) | {"broker_id": doc.get("broker_id")}} if doc else {}
        brokers = self.book_summaries if scope.kind == "all" else {scope.id: self.book_summaries.get(scope.id, {})}
        return {g: dict(e) | {"broker_id": b} for b, entries in brokers.items() for g, e in entries.items()}

    async def add_audit(self, entries: list[tuple[str, Doc]]) -> None:
        for entry_id, doc in entries:
            self.audit.setdefault(entry_id, doc)

    async def merge_group_details(self, changes: list[tuple[str, int, Doc]]) -> None:
        for group_id, version, fields in changes:
            doc = group_page.merged(self.details.get(group_id), version, fields)
            if doc is not None:
                self.details[group_id] = doc

    async def group_details(self, group_id: str) -> Doc | None:
        return self.details.get(group_id)

    async def audit_page(self, group_id: str | None, page: int, page_size: int) -> tuple[list[Doc], int]:
        found = sorted(
            ({"_id": e, **d} for e, d in self.audit.items() if group_id in (None, d["group_id"])),
            key=lambda d: d["at"],
            reverse=True,
        )
        return found[(page - 1) * page_size : page * page_size], len(found)

    async def groups(self, broker_id: str | None, group_ids: list[str] | None) -> list[Doc]:
        return [
            {"_id": g, **d}
            for g, d in sorted(self.book.items())
            if (broker_id is None or d.get("broker_id") == broker_id) and (group_ids is None or g in group_ids)
        ]

    async def group(self, group_id: str) -> Doc | None:
        found = self.book.get(group_id)
        return {"_id": group_id, **found} if found and "name" in found else None

    async def upload(self, upload_id: str) -> Doc | None:
        return self.uploads.get(upload_id)

    async def upload_rows(self, upload_id: str) -> Rows:
        return self.rows.get(upload_id, ({}, 0))[0]

    async def uploads_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        found = sorted(
            (d for d in self.uploads.values() if d.get("group_id") == group_id and "accepted_at" in d),
            key=lambda d: (d["accepted_at"], d["_id"]),
            reverse=True,
        )
        return found[(page - 1) * page_size : page * page_size], len(found)

    async def members_page(
        self, group_id: str, search: MemberSearch, page: int, page_size: int
    ) -> tuple[list[Doc], int]:
        found = sorted(
            ({"_id": m, **d} for m, d in self.members.items() if d["group_id"] == group_id and search.matches(d)),
            key=lambda d: d["sort_key"],
        )
        return found[(page - 1) * page_size : page * page_size], len(found)

    async def application(self, application_id: str) -> Doc | None:
        for rows, _ in self.rows.values():
            if application_id in rows:
                return {"_id": application_id, **rows[application_id]}
        return None

    async def saved_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        found = sorted(
            ({"_id": a, **d} for a, d in self.saved.items() if d["group_id"] == group_id),
            key=lambda d: (d["upload_id"], d["row_number"]),
        )
        return found[(page - 1) * page_size : page * page_size], len(found)

    async def group_transactions(self, group_id: str, broker_id: str) -> list[Doc]:
        return [
            {"_id": t, **d}
            for t, d in self.transactions.items()
            if (d["group_id"], d.get("broker_id")) == (group_id, broker_id)
        ]

    async def transactions_page(self, group_id: str, page: int, page_size: int) -> tuple[list[Doc], int]:
        found = sorted(
            ({"_id": t, **d} for t, d in self.transactions.items() if d["group_id"] == group_id and d.get("day")),
            key=lambda d: d["created_at"],
            reverse=True,
        )
        return found[(page - 1) * page_size : page * page_size], len(found)

    async def group_count(self) -> int:
        return len(self.book)


class SentMessages:
    """An outlet that keeps the messages it is given, in order."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, messages: list[Any]) -> None:
        self.sent.extend(messages)
